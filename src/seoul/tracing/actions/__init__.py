"""Every write of contact tracing: one function per use case, atomic, audited, by family.

Each action takes the acting person as the keyword-only ``actor`` and checks the role the use
case needs and the scope of the record itself (``visible_to`` / ``manageable_by``);
``actor=None`` is the system (demo data, batch jobs), recorded as such. Refusals are
``TracingError`` codes (``tracing/errors.py``). Outside calls (text messages) run after the
transaction commits.

    outbreaks    open_outbreak, add_investigator, remove_investigator, set_alert_rules
    assignment   set_tracer_profile, pick_tracer, reassign
    cases        register_case, isolate, convert_to_case, review_duplicate
    classification  classify (and a confirming lab result, through record_lab_result)
    release      record_lab_result, record_fever_end, record_vaccination, release, record_outcome
    hospital     request_hospital_bed (through hospitals.interfaces)
    timeline     add_timeline_entry, add_timeline_from_candidate, change_timeline_entry
    contacts     add_contact, record_exposure
    closing      close_contact, complete_finished_monitoring, close_silent_contacts
    follow_up    record_follow_up, clear_symptom_flag
    discovery    run_discovery, store_candidates, search_store, confirm_candidate, dismiss_candidate
    self_report  send_self_report_code, send_daily_texts, daily_text, self_report_code, submit_self_report
    movement     import_metro_journeys
    linelist     import_line_list (file_words, row_words: what a refusal says)
    people       possible_duplicates, merge_persons, mark_different
    transfers    request_transfer, decide_transfer, incoming
    long_tail    split_long_tail, send_mass_text, send_pending_mass_texts, opt_out, tested_later
"""

from seoul.tracing.actions.assignment import pick_tracer, reassign, set_tracer_profile
from seoul.tracing.actions.cases import (
    CaseInput,
    Registration,
    convert_to_case,
    isolate,
    register_case,
    review_duplicate,
)
from seoul.tracing.actions.classification import classify
from seoul.tracing.actions.closing import close_contact, close_silent_contacts, complete_finished_monitoring
from seoul.tracing.actions.contacts import ExposureInput, add_contact, record_exposure
from seoul.tracing.actions.discovery import (
    CandidateLike,
    confirm_candidate,
    dismiss_candidate,
    run_discovery,
    search_store,
    store_candidates,
)
from seoul.tracing.actions.follow_up import clear_symptom_flag, record_follow_up
from seoul.tracing.actions.hospital import request_hospital_bed
from seoul.tracing.actions.linelist import file_words, import_line_list, row_words
from seoul.tracing.actions.long_tail import (
    RateLimit,
    opt_out,
    send_mass_text,
    send_pending_mass_texts,
    split_long_tail,
    tested_later,
)
from seoul.tracing.actions.movement import import_metro_journeys
from seoul.tracing.actions.outbreaks import add_investigator, open_outbreak, remove_investigator, set_alert_rules
from seoul.tracing.actions.people import mark_different, merge_persons, possible_duplicates
from seoul.tracing.actions.release import (
    LabInput,
    record_fever_end,
    record_lab_result,
    record_outcome,
    record_vaccination,
    release,
)
from seoul.tracing.actions.self_report import (
    RESEND_AFTER,
    SELF_REPORT_LOCK,
    SELF_REPORT_MAX_FAILURES,
    DailyTexts,
    SelfReportRefused,
    code_hash,
    daily_text,
    self_report_code,
    send_daily_texts,
    send_self_report_code,
    submit_self_report,
)
from seoul.tracing.actions.timeline import (
    TimelineInput,
    add_timeline_entry,
    add_timeline_from_candidate,
    change_timeline_entry,
)
from seoul.tracing.actions.transfers import decide_transfer, incoming, request_transfer

__all__ = [
    "RESEND_AFTER",
    "SELF_REPORT_LOCK",
    "SELF_REPORT_MAX_FAILURES",
    "CandidateLike",
    "CaseInput",
    "DailyTexts",
    "ExposureInput",
    "LabInput",
    "RateLimit",
    "Registration",
    "SelfReportRefused",
    "TimelineInput",
    "add_contact",
    "add_investigator",
    "add_timeline_entry",
    "add_timeline_from_candidate",
    "change_timeline_entry",
    "classify",
    "clear_symptom_flag",
    "close_contact",
    "close_silent_contacts",
    "code_hash",
    "complete_finished_monitoring",
    "confirm_candidate",
    "convert_to_case",
    "daily_text",
    "decide_transfer",
    "dismiss_candidate",
    "file_words",
    "import_line_list",
    "import_metro_journeys",
    "incoming",
    "isolate",
    "mark_different",
    "merge_persons",
    "open_outbreak",
    "opt_out",
    "pick_tracer",
    "possible_duplicates",
    "reassign",
    "record_exposure",
    "record_fever_end",
    "record_follow_up",
    "record_lab_result",
    "record_outcome",
    "record_vaccination",
    "register_case",
    "release",
    "remove_investigator",
    "request_hospital_bed",
    "request_transfer",
    "review_duplicate",
    "row_words",
    "run_discovery",
    "search_store",
    "self_report_code",
    "send_daily_texts",
    "send_mass_text",
    "send_pending_mass_texts",
    "send_self_report_code",
    "set_alert_rules",
    "set_tracer_profile",
    "split_long_tail",
    "store_candidates",
    "submit_self_report",
    "tested_later",
]
