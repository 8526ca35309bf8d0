"""Retention of personal data: each app declares how long its records live, and
``seoul retention`` destroys what has expired, writing an audit record of each destruction.

An app declares ``POLICIES`` in ``<app>/retention.py``: a list of :class:`Policy`. A policy's
``purge(cutoff)`` deletes what is older than the cutoff (in its own order, so that related
rows go together) and returns the counts; ``count(cutoff)`` says what would go. Its
``description`` (what is kept) and ``purpose`` (why, and why that long) are translatable: the
privacy policy page (``/privacy/``) lists every policy in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from seoul.core import audit
from seoul.core.registry import app_modules


@dataclass(frozen=True)
class Policy:
    name: str
    description: str | Promise
    days: int
    count: Callable[[datetime], int]
    purge: Callable[[datetime], dict[str, int]]
    purpose: str | Promise = ""


def policies() -> list[tuple[str, Policy]]:
    return [(label, p) for label, module in app_modules("retention") for p in module.POLICIES]


def run(*, now: datetime | None = None, dry_run: bool = False) -> list[dict[str, object]]:
    now = now or timezone.now()
    report = []
    for label, policy in policies():
        cutoff = now - timedelta(days=policy.days)
        if dry_run:
            report.append(
                {
                    "app": label,
                    "policy": policy.name,
                    "cutoff": cutoff.isoformat(),
                    "would_delete": policy.count(cutoff),
                }
            )
            continue
        with transaction.atomic():
            deleted = policy.purge(cutoff)
            if any(deleted.values()):
                with translation.override("en"):  # the audit trail reads the same whoever ran the job
                    why = f"retention period of {policy.days} days: {policy.description}"
                audit.record(
                    audit.CoreEvent.DATA_DESTROYED,
                    actor_label="system (retention)",
                    target_type=f"{label}.{policy.name}",
                    new={"cutoff": cutoff.isoformat(), "deleted": deleted, "days": policy.days},
                    reason=why,
                    service=label,
                )
        report.append({"app": label, "policy": policy.name, "cutoff": cutoff.isoformat(), "deleted": deleted})
    return report


# --- the platform's own records about people signing in -------------------------------------

SIGN_IN_LOG_DAYS = 365  # 접속기록: kept at least a year (개인정보의 안전성 확보조치 기준 제8조)
FAILED_SIGN_IN_DAYS = 1  # far beyond the 15-minute lock-out they serve


def _sign_in_log(cutoff: datetime) -> Any:
    from axes.models import AccessLog

    return AccessLog.objects.filter(attempt_time__lt=cutoff)


def _failed_sign_ins(cutoff: datetime) -> tuple[Any, Any]:
    from axes.models import AccessAttempt, AccessFailureLog

    return AccessAttempt.objects.filter(attempt_time__lt=cutoff), AccessFailureLog.objects.filter(
        attempt_time__lt=cutoff
    )


def _expired_sessions(cutoff: datetime) -> Any:
    from django.contrib.sessions.models import Session

    return Session.objects.filter(expire_date__lt=cutoff)


def _purge_failed(cutoff: datetime) -> dict[str, int]:
    attempts, failures = _failed_sign_ins(cutoff)
    return {"attempts": attempts.delete()[0], "failures": failures.delete()[0]}


PHONE_CHALLENGE_DAYS = 1  # a code lives 5 minutes; the day left serves the hourly sending limit


def _phone_challenges(cutoff: datetime) -> Any:
    from seoul.core.models import PhoneChallenge

    return PhoneChallenge.objects.filter(created_at__lt=cutoff)


POLICIES = [
    Policy(
        name="sign_in_log",
        description=gettext_lazy("successful sign-ins: user name, network address, browser and time"),
        purpose=gettext_lazy("to investigate misuse of an account; kept a year as access records must be"),
        days=SIGN_IN_LOG_DAYS,
        count=lambda cutoff: int(_sign_in_log(cutoff).count()),
        purge=lambda cutoff: {"sign_ins": _sign_in_log(cutoff).delete()[0]},
    ),
    Policy(
        name="failed_sign_ins",
        description=gettext_lazy("failed sign-in attempts: user name, network address and browser"),
        purpose=gettext_lazy("to lock an account for a while after repeated wrong passwords"),
        days=FAILED_SIGN_IN_DAYS,
        count=lambda cutoff: sum(int(q.count()) for q in _failed_sign_ins(cutoff)),
        purge=_purge_failed,
    ),
    Policy(
        name="expired_sessions",
        description=gettext_lazy("sign-in sessions that have expired, with the reasons stated in them"),
        purpose=gettext_lazy("to keep you signed in; nothing is kept once the session has expired"),
        days=0,
        count=lambda cutoff: int(_expired_sessions(cutoff).count()),
        purge=lambda cutoff: {"sessions": _expired_sessions(cutoff).delete()[0]},
    ),
    Policy(
        name="phone_challenges",
        description=gettext_lazy("codes texted to prove a mobile number: the number (encrypted) and when"),
        purpose=gettext_lazy("to check the code and limit how many codes go to one number in an hour"),
        days=PHONE_CHALLENGE_DAYS,
        count=lambda cutoff: int(_phone_challenges(cutoff).count()),
        purge=lambda cutoff: {"phone_challenges": _phone_challenges(cutoff).delete()[0]},
    ),
]
