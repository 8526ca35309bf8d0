"""Every write of the business service, by use-case family (each takes ``actor=`` and checks
its own permission and scope, and is audited)."""

from seoul.business.actions.applications import apply, withdraw
from seoul.business.actions.officers import check_officer, record_completion, score, score_of, select, set_officer
from seoul.business.actions.outcomes import take_outcomes
from seoul.business.actions.profiles import build_profile, delete_profile, refresh_profile

__all__ = [
    "apply",
    "build_profile",
    "check_officer",
    "delete_profile",
    "record_completion",
    "refresh_profile",
    "score",
    "score_of",
    "select",
    "set_officer",
    "take_outcomes",
    "withdraw",
]
