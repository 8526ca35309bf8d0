"""Every write of the fund, by use-case family (each takes ``actor=``, checks its own permission
and scope, and is audited)."""

from seoul.fund.actions.applications import Proposal, apply
from seoul.fund.actions.calls import CallTerms, change_call, close_call, open_call, publish, remaining_for
from seoul.fund.actions.committee import (
    PlannedTranche,
    decide,
    declare,
    score,
    set_attendance,
    set_meeting,
    set_member,
    tally_of,
)
from seoul.fund.actions.investees import (
    pay,
    record_distribution,
    record_valuation,
    report_kpis,
    send_evidence,
    verify,
)
from seoul.fund.actions.screening import screen

__all__ = [
    "CallTerms",
    "PlannedTranche",
    "Proposal",
    "apply",
    "change_call",
    "close_call",
    "decide",
    "declare",
    "open_call",
    "pay",
    "publish",
    "record_distribution",
    "record_valuation",
    "remaining_for",
    "report_kpis",
    "score",
    "screen",
    "send_evidence",
    "set_attendance",
    "set_meeting",
    "set_member",
    "tally_of",
    "verify",
]
