"""Fund staff publish a call for proposals — its sectors, stages and instruments from the fund's
rules, the days it is open, its budget within what its sectors have left to commit — change it
while no start-up has applied, and close it early (saying why). Every change is audited."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.core.validation import PLANNING_HORIZON, check_text
from seoul.fund.actions._base import check_staff
from seoul.fund.engine.rules import rules
from seoul.fund.errors import FundError
from seoul.fund.events import FundEvent
from seoul.fund.labels import won
from seoul.fund.models import Call, CallState, Decision, Instrument

CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
CODE_MAX = 40
#: what staff may change while nobody has applied (the code is the call's address: never)
CHANGEABLE = (
    "title_ko",
    "title_en",
    "summary_ko",
    "summary_en",
    "sectors",
    "stages",
    "instruments",
    "opens_on",
    "closes_on",
    "budget",
)


@dataclass(frozen=True)
class CallTerms:
    """What a call says, as staff typed it (checked by :func:`open_call` and :func:`change_call`)."""

    title_ko: str
    title_en: str
    sectors: Sequence[str]
    stages: Sequence[str]
    opens_on: date
    closes_on: date
    budget: int
    instruments: Sequence[str] = field(default_factory=lambda: list(Instrument.values))
    summary_ko: str = ""
    summary_en: str = ""


def committed_by_sector() -> dict[str, int]:
    """What the committee has decided to invest, by the investees' sectors."""
    rows = (
        Decision.objects.filter(outcome=Decision.Outcomes.INVEST)
        .values_list("application__sector")
        .annotate(total=Sum("amount"))
    )
    return {sector: int(total or 0) for sector, total in rows}


def remaining_for(sectors: Sequence[str]) -> int:
    """What the fund has left to commit in these sectors: their allocations less what the
    committee has decided to invest in them (never below 0)."""
    fund = rules()
    committed = committed_by_sector()
    total = 0
    for code in dict.fromkeys(sectors):
        sector = fund.sector(code)
        if sector is not None:
            total += max(0, sector.allocation - committed.get(code, 0))
    return total


def _checked(terms: CallTerms) -> dict[str, object]:
    """Every field checked; every problem reported at once, each on its field."""
    fund = rules()
    problems: dict[str, list[ValidationError]] = {}
    values: dict[str, object] = {}

    def keep(name: str, check: Callable[[], object]) -> None:
        try:
            values[name] = check()
        except ValidationError as exc:
            for key, errors in exc.error_dict.items():
                problems.setdefault(key, []).extend(errors)

    keep("title_ko", lambda: check_text(terms.title_ko, "title_ko", max_length=120))
    keep("title_en", lambda: check_text(terms.title_en, "title_en", max_length=120))
    for name, text in (("summary_ko", terms.summary_ko), ("summary_en", terms.summary_en)):
        keep(name, functools.partial(_summary, text, name))
    sectors = list(dict.fromkeys(terms.sectors))
    if not sectors or any(fund.sector(s) is None for s in sectors):
        problems.setdefault("sectors", []).append(FundError.CALL_SECTORS.error())
    stages = list(dict.fromkeys(terms.stages))
    if not stages or any(fund.stage(s) is None for s in stages):
        problems.setdefault("stages", []).append(FundError.CALL_STAGES.error())
    instruments = [i for i in Instrument.values if i in set(terms.instruments)]
    if not instruments or len(instruments) != len(set(terms.instruments)):
        problems.setdefault("instruments", []).append(FundError.CALL_INSTRUMENTS.error())
    values |= {"sectors": sectors, "stages": stages, "instruments": instruments}
    keep("opens_on", lambda: PLANNING_HORIZON.check(terms.opens_on, "opens_on"))
    keep("closes_on", lambda: PLANNING_HORIZON.check(terms.closes_on, "closes_on"))
    if "opens_on" in values and "closes_on" in values and terms.closes_on < terms.opens_on:
        problems.setdefault("closes_on", []).append(FundError.CALL_DATES.error())
    if terms.budget <= 0:
        problems.setdefault("budget", []).append(FundError.CALL_BUDGET.error())
    elif "sectors" not in problems:
        left = remaining_for(sectors)
        if terms.budget > left:
            problems.setdefault("budget", []).append(FundError.CALL_OVER_ALLOCATION.error(remaining=won(left)))
    values["budget"] = terms.budget
    if problems:
        raise ValidationError(problems)
    return values


def _summary(text: str, name: str) -> str:
    return check_text(text, name, max_length=2000, multiline=True) if text.strip() else ""


def _code(code: str) -> str:
    cleaned = check_text(code, "code", max_length=CODE_MAX)
    if not CODE.fullmatch(cleaned):
        raise FundError.CALL_CODE_FORMAT.error("code")
    return cleaned


def _audited(call: Call) -> dict[str, object]:
    return {
        "code": call.code,
        "title_ko": call.title_ko,
        "title_en": call.title_en,
        "sectors": list(call.sectors),
        "stages": list(call.stages),
        "instruments": list(call.instruments),
        "opens_on": call.opens_on.isoformat(),
        "closes_on": call.closes_on.isoformat(),
        "budget": call.budget,
    }


def publish(code: str, terms: CallTerms, *, actor: User | None) -> Call:
    """A new call (``actor`` None: the system, for the demo data and the command line)."""
    if actor is not None:
        check_staff(actor)
    problems: dict[str, list[ValidationError]] = {}
    try:
        cleaned_code = _code(code)
    except ValidationError as exc:
        problems |= exc.error_dict
        cleaned_code = ""
    if cleaned_code and Call.objects.filter(code=cleaned_code).exists():
        problems["code"] = [FundError.CALL_CODE_TAKEN.error()]
    try:
        values = _checked(terms)
    except ValidationError as exc:
        for key, errors in exc.error_dict.items():
            problems.setdefault(key, []).extend(errors)
    if problems:
        raise ValidationError(problems)
    try:
        with transaction.atomic():
            made = Call.objects.create(code=cleaned_code, created_by=actor, **values)
            audit.record(
                FundEvent.CALL_OPENED,
                target=made,
                actor=actor,
                actor_label="" if actor else "system",
                new=_audited(made),
            )
    except IntegrityError:  # the same code from another tab at the same moment
        raise FundError.CALL_CODE_TAKEN.error("code") from None
    return made


def open_call(
    *,
    code: str,
    title_ko: str,
    title_en: str,
    summary_ko: str = "",
    summary_en: str = "",
    sectors: list[str],
    stages: list[str],
    instruments: list[str] | None = None,
    opens_on: date,
    closes_on: date,
    budget: int,
    actor: User | None,
) -> Call:
    """:func:`publish` with the call's terms as keywords (the demo data and the tests)."""
    terms = CallTerms(
        title_ko=title_ko,
        title_en=title_en,
        summary_ko=summary_ko,
        summary_en=summary_en,
        sectors=sectors,
        stages=stages,
        instruments=instruments if instruments is not None else list(Instrument.values),
        opens_on=opens_on,
        closes_on=closes_on,
        budget=budget,
    )
    return publish(code, terms, actor=actor)


def change_call(call: Call, terms: CallTerms, *, actor: User) -> Call:
    """Change what a call says, while no start-up has applied to it and it was not closed early."""
    check_staff(actor)
    values = _checked(terms)
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if locked.closed_on is not None:
            raise FundError.CALL_ALREADY_CLOSED.error()
        if locked.applications.exists():
            raise FundError.CALL_LOCKED.error()
        before = _audited(locked)
        for name in CHANGEABLE:
            setattr(locked, name, values[name])
        after = _audited(locked)
        changed = [k for k in after if after[k] != before[k]]
        if not changed:
            return locked
        locked.save()
        audit.record(
            FundEvent.CALL_CHANGED,
            target=locked,
            actor=actor,
            old={k: before[k] for k in changed},
            new={k: after[k] for k in changed},
        )
    return locked


def close_call(call: Call, *, reason: str, actor: User, today: date | None = None) -> Call:
    """Stop a call taking applications from today (an upcoming one never opens). The planned
    dates stay; the day, who and why are kept. Applications already sent go on as before."""
    check_staff(actor)
    today = today or timezone.localdate()
    why = check_text(reason, "reason", max_length=300) if reason.strip() else ""
    if not why:
        raise FundError.REASON_REQUIRED.error("reason")
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        state = locked.state_on(today)
        if state == CallState.CLOSED:
            raise FundError.CALL_ALREADY_CLOSED.error()
        locked.closed_on = today
        locked.closed_by = actor
        locked.closed_reason = why
        locked.save(update_fields=["closed_on", "closed_by", "closed_reason"])
        audit.record(
            FundEvent.CALL_CLOSED,
            target=locked,
            actor=actor,
            old={"state": state, "closes_on": locked.closes_on.isoformat()},
            new={"state": CallState.CLOSED, "closed_on": today.isoformat(), "reason": why},
        )
    return locked
