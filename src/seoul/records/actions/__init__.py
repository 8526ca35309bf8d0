"""Every write of the Electronic Document Center, by use-case family (re-exported here)."""

from seoul.records.actions.consume import Received, process, process_pending, receive, start_after_commit
from seoul.records.actions.registration import Registration, correct, register
from seoul.records.actions.sanity import SanityReport, check_files

__all__ = [
    "Received",
    "Registration",
    "SanityReport",
    "check_files",
    "correct",
    "process",
    "process_pending",
    "receive",
    "register",
    "start_after_commit",
]
