"""What contact tracing refuses, as codes (``tracing.<what>``) with the words a person reads.

Actions raise ``TracingError.X.error(field)`` (a ``ValidationError`` on that field) or
``TracingError.X.denied()`` (a ``PermissionDenied``); pages show the words through
``core.flow``, the API answers the code as the error's ``type``, the command line prints the
words. The self-report page (no account) shows its own four refusals.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from seoul.core.errors import ErrorCode


class TracingError(ErrorCode):
    # --- who may act ------------------------------------------------------------------------
    NEEDS_ROLE = "tracing.needs_role", _("You need the %(role)s role for this.")
    CASE_NOT_IN_SCOPE = (
        "tracing.case_not_in_scope",
        _("This case is not assigned to you, your district or an outbreak you investigate."),
    )
    CONTACT_NOT_IN_SCOPE = (
        "tracing.contact_not_in_scope",
        _("This contact is not assigned to you, your district or an outbreak you investigate."),
    )
    OUTBREAK_NOT_IN_SCOPE = "tracing.outbreak_not_in_scope", _("You do not take part in this outbreak.")
    OUTBREAK_NOT_MANAGED = (
        "tracing.outbreak_not_managed",
        _("Only the supervisor of the outbreak's district or a tracing administrator may change this outbreak."),
    )
    OWN_DISTRICT_ONLY = (
        "tracing.own_district_only",
        _("Supervisors open outbreaks in the district they supervise."),
    )
    SELF_GRANT = (
        "tracing.self_grant",
        _("You cannot add yourself to an outbreak: ask another supervisor or a tracing administrator."),
    )
    NOT_A_TRACER_OF_YOURS = (
        "tracing.not_a_tracer_of_yours",
        _("Choose an active tracer of the district you supervise."),
    )

    # --- outbreaks, staff and assignments -------------------------------------------------------
    DISTRICT = "tracing.district", _("Choose one of Seoul's 25 districts.")
    MONITORING_DAYS = "tracing.monitoring_days", _("Enter a monitoring period from 1 to 60 days.")
    INFECTIOUS_DAYS = "tracing.infectious_days", _("Enter a number of days from 0 to 14.")
    INVESTIGATOR_ROLE = "tracing.investigator_role", _("Investigators need a contact-tracing role.")
    ALREADY_INVESTIGATOR = "tracing.already_investigator", _("This person already investigates this outbreak.")
    NOT_INVESTIGATOR = "tracing.not_investigator", _("This person does not investigate this outbreak.")
    TRACER_ROLE = (
        "tracing.tracer_role",
        _("Only tracers and supervisors (tracing operator or approver) work in a district."),
    )
    ASSIGNMENT_ENDED = "tracing.assignment_ended", _("This assignment has already ended.")
    SAME_TRACER = "tracing.same_tracer", _("This tracer already has this work.")

    # --- cases ----------------------------------------------------------------------------
    ONSET_OR_TEST = (
        "tracing.onset_or_test",
        _("Give the symptom onset date, or the test date if there were no symptoms."),
    )
    AFTER_CONFIRMATION = "tracing.after_confirmation", _("This date cannot be after the confirmation date.")
    SAME_CLASSIFICATION = (
        "tracing.same_classification",
        _("The case is already classified so: choose another classification."),
    )
    CONFIRMED_ON_NEEDED = "tracing.confirmed_on_needed", _("A confirmed case needs its confirmation date.")
    CONFIRMED_ON_ONLY_CONFIRMED = (
        "tracing.confirmed_on_only_confirmed",
        _("Only a confirmed case has a confirmation date: leave it empty, or classify the case as confirmed."),
    )
    REGISTER_AS = (
        "tracing.register_as",
        _("A case is registered as suspected, probable or confirmed."),
    )
    NOT_CONFIRMED = (
        "tracing.not_confirmed",
        _(
            "Only a confirmed case is released by the criteria. A suspected or probable case leaves "
            "isolation when it is classified as not a case."
        ),
    )
    ALREADY_A_CASE = (
        "tracing.already_a_case",
        _("This person is already case %(ref)s of this outbreak."),
    )
    PRESENCE_ID_TAKEN = (
        "tracing.presence_id_taken",
        _("This movement-data id does not match the name and phone number given. Check the id."),
    )
    NEEDS_TIME_ZONE = "tracing.needs_time_zone", _("Give a time with its time zone.")
    IN_FUTURE = "tracing.in_future", _("This time cannot be in the future.")
    ISOLATION_TOO_EARLY = (
        "tracing.isolation_too_early",
        _("Isolation must come after the start of the infectious window."),
    )
    ALREADY_REVIEWED = "tracing.already_reviewed", _("This registration has already been reviewed.")

    # --- lab results and release from isolation ---------------------------------------------
    RESULT_BEFORE_SPECIMEN = (
        "tracing.result_before_specimen",
        _("The result cannot be reported before the specimen was taken."),
    )
    AFEBRILE_BEFORE_ONSET = (
        "tracing.afebrile_before_onset",
        _("The fever cannot have ended before the symptoms began."),
    )
    NOT_ISOLATED = "tracing.not_isolated", _("Only a case in isolation can be released.")
    NOT_FOR_HOSPITAL = (
        "tracing.not_for_hospital",
        _("A hospital bed can be requested only for a confirmed case still in isolation."),
    )
    CASE_DIED = "tracing.case_died", _("This case died: there is no release from isolation to record.")
    OUTCOME_RECORDED = "tracing.outcome_recorded", _("This case's outcome is already recorded.")
    OUTCOME_BEFORE_CONFIRMATION = (
        "tracing.outcome_before_confirmation",
        _("The outcome cannot come before the confirmation date."),
    )
    RELEASE_NOT_DUE = (
        "tracing.release_not_due",
        _("This case may leave isolation on %(date)s at the earliest."),
    )
    RELEASE_WAITING = (
        "tracing.release_waiting",
        _("This case cannot be released yet: %(missing)s."),
    )

    # --- timeline, exposures and contacts ---------------------------------------------------------
    END_BEFORE_START = "tracing.end_before_start", _("The end is before the start.")
    ENTRY_TOO_LONG = "tracing.entry_too_long", _("One entry covers at most 2 days: split longer stays.")
    OUTSIDE_WINDOW = (
        "tracing.outside_window",
        _("This is outside the infectious window (%(start)s to %(end)s)."),
    )
    EXPOSURE_OUTSIDE_WINDOW = (
        "tracing.exposure_outside_window",
        _("The exposure must fall inside the case's infectious window."),
    )
    CHOICE = "tracing.choice", _("Choose one of the options offered.")
    DURATION = "tracing.duration", _("Enter a duration from 0 minutes to 14 days.")
    OWN_CONTACT = "tracing.own_contact", _("A case cannot be its own contact.")

    # --- follow-up ------------------------------------------------------------------------
    NOT_MONITORING = "tracing.not_monitoring", _("This contact is no longer under monitoring.")
    MONITORING_NOT_OVER = (
        "tracing.monitoring_not_over",
        _("The monitoring period runs until %(end)s: it can be completed the day after."),
    )
    REASON_NEEDED = "tracing.reason_needed", _("Say why the contact was lost to follow-up.")
    OUTSIDE_MONITORING = (
        "tracing.outside_monitoring",
        _("This day is outside the monitoring period (%(start)s to %(end)s)."),
    )
    FUTURE_DAY = "tracing.future_day", _("A follow-up cannot be recorded for a future day.")
    THRESHOLD = "tracing.threshold", _("Enter a score above 0: candidates below it get the text.")
    NOTICE_IDENTIFIES = (
        "tracing.notice_identifies",
        _(
            "The notice repeats the case's name, phone, reference or a place of its timeline. "
            "Use only the words of a public notice."
        ),
    )
    PERSON_NOT_IN_SCOPE = (
        "tracing.person_not_in_scope",
        _("You do not see a case or contact of both persons."),
    )
    PAIR_DECIDED = "tracing.pair_decided", _("These two records have already been reviewed.")
    SAME_PERSON = "tracing.same_person", _("Choose two different person records.")
    MERGE_TWO_CASES = (
        "tracing.merge_two_cases",
        _("Both are cases of the same outbreak: review the two cases first (one must be removed or moved)."),
    )
    MERGE_TWO_CONTACTS = (
        "tracing.merge_two_contacts",
        _("Both are contacts of the same case: close one of the two contacts first."),
    )
    MERGE_TWO_IDS = (
        "tracing.merge_two_ids",
        _("The two records carry different movement-data ids: they may be different people."),
    )
    SAME_DISTRICT = "tracing.same_district", _("The record is already in this district: choose another.")
    TRANSFER_PENDING = (
        "tracing.transfer_pending",
        _("A transfer of this record is already waiting for the receiving district."),
    )
    TRANSFER_NOT_YOURS = (
        "tracing.transfer_not_yours",
        _("Only the supervisor of the receiving district or a tracing administrator decides this transfer."),
    )
    TRANSFER_DECIDED = "tracing.transfer_decided", _("This transfer has already been decided.")
    LINE_LIST = "tracing.line_list", _("This file cannot be imported: %(reason)s")
    LINE_LIST_MAPPING = "tracing.line_list_mapping", _("Column for “%(name)s”: %(reason)s.")
    SYMPTOMS_NEEDED = "tracing.symptoms_needed", _("Tick the symptoms, or describe them in words.")
    WELL_WITH_SYMPTOMS = (
        "tracing.well_with_symptoms",
        _("Symptoms or a fever were recorded: choose “Seen, with symptoms”."),
    )
    NOT_REACHED_NO_REPORT = (
        "tracing.not_reached_no_report",
        _("Symptoms and temperature are recorded only when the person was reached."),
    )
    TEMPERATURE = "tracing.temperature", _("Enter a body temperature between %(low)s and %(high)s °C.")
    NO_SYMPTOM_REPORT = "tracing.no_symptom_report", _("There is no symptom report to review.")
    ALREADY_CONVERTED = "tracing.already_converted", _("This contact has already become a case.")

    # --- exposure discovery ----------------------------------------------------------------
    NO_PRESENCE_ID = "tracing.no_presence_id", _("This case has no movement-data id to search with.")
    UNKNOWN_PERSON = (
        "tracing.unknown_person",
        _("This movement-data id is not in the movement data (yet): check the id, or import the data."),
    )
    NO_DATA = "tracing.no_data", _("There is no movement data to search yet.")
    NO_ONSET = "tracing.no_onset", _("Give the symptom onset or test date first: it sets the infectious window.")
    BAD_WINDOW = "tracing.bad_window", _("The infectious window is empty: check the onset and isolation times.")
    DISCOVERY_FAILED = "tracing.discovery_failed", _("The movement data could not be searched.")
    ALREADY_DECIDED = "tracing.already_decided", _("This candidate has already been decided.")
    NO_SUCH_EPISODE = "tracing.no_such_episode", _("This record is not one of the candidate's.")
    ALREADY_ON_TIMELINE = (
        "tracing.already_on_timeline",
        _("This place and time are already on the case's timeline."),
    )
    PERSON_DETAILS_NEEDED = (
        "tracing.person_details_needed",
        _("This person is not on record yet: give their name, mobile phone and district."),
    )

    # --- self-report texts -----------------------------------------------------------------
    NOT_DUE_TODAY = "tracing.not_due_today", _("This contact is not under monitoring today.")
    NO_PHONE = "tracing.no_phone", _("There is no phone number to text.")
    TEXT_NOT_SENT = (
        "tracing.text_not_sent",
        _("The text message could not be sent, so its code was withdrawn. Try again in a moment."),
    )
    LINK_EXPIRED = "tracing.link_expired", _("This link has expired. You will receive a new one by text message.")
    LINK_USED = "tracing.link_used", _("Today's report has already been sent with this link. Thank you.")
    LINK_LOCKED = "tracing.link_locked", _("Too many wrong codes. Try again in 15 minutes.")
    WRONG_CODE = "tracing.wrong_code", _("The code does not match the one in your text message.")
