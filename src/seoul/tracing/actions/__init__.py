"""Every write of contact tracing: one function per use case, atomic, audited, by family.

Each action takes the acting person as the keyword-only ``actor`` and checks the role the use
case needs and the scope of the record itself (``visible_to`` / ``manageable_by``);
``actor=None`` is the system (demo data, batch jobs), recorded as such. Refusals are
``TracingError`` codes (``tracing/errors.py``). Outside calls (text messages) run after the
transaction commits.

    outbreaks    open_outbreak, add_investigator, remove_investigator
    assignment   set_tracer_profile, pick_tracer, reassign
    cases        register_case, isolate, convert_to_case, review_duplicate
    release      record_lab_result, record_fever_end, release, record_outcome
    timeline     add_timeline_entry, change_timeline_entry
    contacts     add_contact, record_exposure
    closing      close_contact, complete_finished_monitoring
    follow_up    record_follow_up, clear_symptom_flag
    discovery    run_discovery, store_candidates, search_store, confirm_candidate, dismiss_candidate
    self_report  send_self_report_code, send_daily_texts, self_report_code, submit_self_report
    movement     import_metro_journeys
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
from seoul.tracing.actions.closing import close_contact, complete_finished_monitoring
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
from seoul.tracing.actions.movement import import_metro_journeys
from seoul.tracing.actions.outbreaks import add_investigator, open_outbreak, remove_investigator
from seoul.tracing.actions.release import LabInput, record_fever_end, record_lab_result, record_outcome, release
from seoul.tracing.actions.self_report import (
    RESEND_AFTER,
    SELF_REPORT_LOCK,
    SELF_REPORT_MAX_FAILURES,
    DailyTexts,
    SelfReportRefused,
    code_hash,
    self_report_code,
    send_daily_texts,
    send_self_report_code,
    submit_self_report,
)
from seoul.tracing.actions.timeline import TimelineInput, add_timeline_entry, change_timeline_entry

__all__ = [
    "RESEND_AFTER",
    "SELF_REPORT_LOCK",
    "SELF_REPORT_MAX_FAILURES",
    "CandidateLike",
    "CaseInput",
    "DailyTexts",
    "ExposureInput",
    "LabInput",
    "Registration",
    "SelfReportRefused",
    "TimelineInput",
    "add_contact",
    "add_investigator",
    "add_timeline_entry",
    "change_timeline_entry",
    "clear_symptom_flag",
    "close_contact",
    "code_hash",
    "complete_finished_monitoring",
    "confirm_candidate",
    "convert_to_case",
    "dismiss_candidate",
    "import_metro_journeys",
    "isolate",
    "open_outbreak",
    "pick_tracer",
    "reassign",
    "record_exposure",
    "record_fever_end",
    "record_follow_up",
    "record_lab_result",
    "record_outcome",
    "register_case",
    "release",
    "remove_investigator",
    "review_duplicate",
    "run_discovery",
    "search_store",
    "self_report_code",
    "send_daily_texts",
    "send_self_report_code",
    "set_tracer_profile",
    "store_candidates",
    "submit_self_report",
]
