"""Every write of the Electronic Document Center, by use-case family (re-exported here)."""

from seoul.records.actions.consume import Received, process, process_pending, receive, start_after_commit
from seoul.records.actions.disposal import carry_out, decide, open_review, record_meeting
from seoul.records.actions.registration import Registration, correct, register
from seoul.records.actions.sanity import SanityReport, check_files

__all__ = [
    "Received",
    "Registration",
    "SanityReport",
    "carry_out",
    "check_files",
    "correct",
    "decide",
    "open_review",
    "process",
    "process_pending",
    "receive",
    "record_meeting",
    "register",
    "start_after_commit",
]
