from django.db import models
from django.utils.translation import gettext_lazy as _


class TracingEvent(models.TextChoices):
    OUTBREAK_OPENED = "tracing.outbreak.opened", _("Outbreak opened")
    INVESTIGATOR_ADDED = "tracing.outbreak.investigator_added", _("Investigator added to an outbreak")
    TRACER_PROFILE_SET = "tracing.tracer.profile_set", _("Tracer district set")
    CASE_REGISTERED = "tracing.case.registered", _("Case registered")
    CASE_UPDATED = "tracing.case.updated", _("Case updated")
    CASE_VIEWED = "tracing.case.viewed", _("Case viewed (personal data)")
    CONTACT_ADDED = "tracing.contact.added", _("Contact added")
    CONTACT_VIEWED = "tracing.contact.viewed", _("Contact viewed (personal data)")
    CONTACT_CONVERTED = "tracing.contact.converted", _("Contact converted to a case")
    CONTACT_SYMPTOMS_FLAGGED = "tracing.contact.symptoms_flagged", _("Contact reported symptoms")
    CONTACT_FLAG_CLEARED = "tracing.contact.flag_cleared", _("Symptom flag reviewed")
    EXPOSURE_RECORDED = "tracing.exposure.recorded", _("Exposure recorded")
    TIMELINE_ADDED = "tracing.timeline.added", _("Timeline entry added")
    TIMELINE_CHANGED = "tracing.timeline.changed", _("Timeline entry changed")
    FOLLOW_UP_RECORDED = "tracing.follow_up.recorded", _("Follow-up recorded")
    ASSIGNED = "tracing.assignment.made", _("Work assigned to a tracer")
    REASSIGNED = "tracing.assignment.changed", _("Work reassigned")
    DISCOVERY_RUN = "tracing.discovery.run", _("Exposure discovery run")
    CANDIDATE_CONFIRMED = "tracing.candidate.confirmed", _("Candidate confirmed as a contact")
    CANDIDATE_DISMISSED = "tracing.candidate.dismissed", _("Candidate dismissed")
    SELF_REPORT_SENT = "tracing.self_report.sent", _("Self-report text sent")
    SELF_REPORT_RECEIVED = "tracing.self_report.received", _("Self-report received")
    SELF_REPORT_REFUSED = "tracing.self_report.refused", _("Self-report code refused")
