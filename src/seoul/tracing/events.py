from django.db import models
from django.utils.translation import gettext_lazy as _

from seoul.core.personal_data import Purpose


class TracingEvent(models.TextChoices):
    OUTBREAK_OPENED = "tracing.outbreak.opened", _("Outbreak opened")
    INVESTIGATOR_ADDED = "tracing.outbreak.investigator_added", _("Investigator added to an outbreak")
    INVESTIGATOR_REMOVED = "tracing.outbreak.investigator_removed", _("Investigator removed from an outbreak")
    ALERT_RULES_SET = "tracing.outbreak.alert_rules_set", _("Outbreak's alert rules changed")
    TRACER_PROFILE_SET = "tracing.tracer.profile_set", _("Tracer district set")
    CASE_REGISTERED = "tracing.case.registered", _("Case registered")
    CASE_UPDATED = "tracing.case.updated", _("Case updated")
    CASE_CLASSIFIED = "tracing.case.classified", _("Case classified")
    CASE_RELEASED = "tracing.case.released", _("Case released from isolation")
    LAB_RESULT_RECORDED = "tracing.lab_result.recorded", _("Laboratory result recorded")
    DUPLICATE_REGISTERED = (
        "tracing.case.duplicate_registered",
        _("Case registered again by someone outside its team (kept for review)"),
    )
    DUPLICATE_REVIEWED = "tracing.case.duplicate_reviewed", _("Repeated registration of a case reviewed")
    CASE_VIEWED = "tracing.case.viewed", _("Case viewed (personal data)")
    PERSON_SEARCHED = "tracing.person.searched", _("Persons searched by phone (personal data)")
    CONTACTS_EXPORTED = "tracing.contacts.exported", _("Quarantine list exported (personal data)")
    CONTACT_ADDED = "tracing.contact.added", _("Contact added")
    CONTACT_VIEWED = "tracing.contact.viewed", _("Contact viewed (personal data)")
    CONTACT_CONVERTED = "tracing.contact.converted", _("Contact converted to a case")
    CONTACT_RESTARTED = (
        "tracing.contact.restarted",
        _("Contact's monitoring restarted by a later exposure"),
    )
    CONTACT_CLOSED = "tracing.contact.closed", _("Contact's monitoring closed")
    CONTACT_SYMPTOMS_FLAGGED = "tracing.contact.symptoms_flagged", _("Contact reported symptoms")
    CONTACT_FLAG_CLEARED = "tracing.contact.flag_cleared", _("Symptom flag reviewed")
    EXPOSURE_RECORDED = "tracing.exposure.recorded", _("Exposure recorded")
    TIMELINE_ADDED = "tracing.timeline.added", _("Timeline entry added")
    TIMELINE_CHANGED = "tracing.timeline.changed", _("Timeline entry changed")
    FOLLOW_UP_RECORDED = "tracing.follow_up.recorded", _("Follow-up recorded")
    PEOPLE_REVIEWED = "tracing.person.duplicates_viewed", _("Possible duplicate persons viewed (personal data)")
    PERSONS_MERGED = "tracing.person.merged", _("Two person records merged")
    PERSONS_DIFFERENT = "tracing.person.different", _("Two person records reviewed: different people")
    TRANSFER_REQUESTED = "tracing.transfer.requested", _("Transfer to another district asked")
    TRANSFER_DECIDED = "tracing.transfer.decided", _("Transfer to another district decided")
    ASSIGNED = "tracing.assignment.made", _("Work assigned to a tracer")
    REASSIGNED = "tracing.assignment.changed", _("Work reassigned")
    DISCOVERY_RUN = "tracing.discovery.run", _("Exposure discovery run")
    STORE_SEARCHED = "tracing.movement.searched", _("Movement data searched outside a case (personal data)")
    LINE_LIST_IMPORTED = "tracing.line_list.imported", _("Line list imported")
    METRO_JOURNEYS_IMPORTED = "tracing.movement.metro_imported", _("Metro journeys imported as movement data")
    CANDIDATE_CONFIRMED = "tracing.candidate.confirmed", _("Candidate confirmed as a contact")
    CANDIDATE_DISMISSED = "tracing.candidate.dismissed", _("Candidate dismissed")
    MASS_TEXT_PLANNED = "tracing.mass_text.planned", _("Long-tail mass text planned")
    MASS_TEXT_SENT = "tracing.mass_text.sent", _("Long-tail mass text sent")
    MASS_TEXT_OPTED_OUT = "tracing.mass_text.opted_out", _("Opted out of mass texts")
    SELF_REPORT_SENT = "tracing.self_report.sent", _("Self-report text sent")
    SELF_REPORT_NOT_SENT = "tracing.self_report.not_sent", _("Self-report text not delivered")
    SELF_REPORT_RECEIVED = "tracing.self_report.received", _("Self-report received")
    SELF_REPORT_REFUSED = "tracing.self_report.refused", _("Self-report code refused")


class TracingPurpose(Purpose):
    """Why staff of this service open a person's data (asked before the page shows it)."""

    INVESTIGATION = "tracing.investigation", _("Epidemiological investigation of a case")
    MONITORING = "tracing.monitoring", _("Monitoring a contact in quarantine")
    QUARANTINE_NOTICE = "tracing.quarantine_notice", _("Issuing quarantine notices")
    SUPERVISION = "tracing.supervision", _("Supervising the tracing of this outbreak")
    PERSON_REQUEST = "tracing.person_request", _("A request or complaint from the person")
    LEGAL = "tracing.legal", _("A request under the law (a court or an investigative body)")
