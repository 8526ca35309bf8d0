"""Fund staff publish a call for proposals: its sectors and stages from the fund's rules, the
days it is open, its budget within what the fund has left to commit."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from seoul.core import audit
from seoul.core.models import User
from seoul.core.validation import PLANNING_HORIZON, check_number, check_text
from seoul.fund.actions._base import check_staff
from seoul.fund.engine.rules import rules
from seoul.fund.errors import FundError
from seoul.fund.events import FundEvent
from seoul.fund.models import Call


def open_call(
    *,
    code: str,
    title_ko: str,
    title_en: str,
    summary_ko: str = "",
    summary_en: str = "",
    sectors: list[str],
    stages: list[str],
    opens_on: date,
    closes_on: date,
    budget: int,
    actor: User | None,
) -> Call:
    if actor is not None:
        check_staff(actor)
    fund = rules()
    if not sectors or any(fund.sector(s) is None for s in sectors):
        raise FundError.SECTOR_NOT_IN_CALL.error("sectors")
    if not stages or any(fund.stage(s) is None for s in stages):
        raise FundError.STAGE_NOT_IN_CALL.error("stages")
    PLANNING_HORIZON.check(opens_on, "opens_on")
    PLANNING_HORIZON.check(closes_on, "closes_on")
    if closes_on < opens_on:
        raise FundError.DATE_RANGE.error("closes_on", earliest=opens_on.isoformat(), latest="…")
    with transaction.atomic():
        made = Call.objects.create(
            code=check_text(code, "code", max_length=40),
            title_ko=check_text(title_ko, "title_ko", max_length=120),
            title_en=check_text(title_en, "title_en", max_length=120),
            summary_ko=check_text(summary_ko, "summary_ko", max_length=2000, multiline=True) if summary_ko else "",
            summary_en=check_text(summary_en, "summary_en", max_length=2000, multiline=True) if summary_en else "",
            sectors=sectors,
            stages=stages,
            opens_on=opens_on,
            closes_on=closes_on,
            budget=int(check_number(budget, "budget", lo=1, hi=fund.size)),
            created_by=actor,
        )
        audit.record(
            FundEvent.CALL_OPENED,
            target=made,
            actor=actor,
            actor_label="" if actor else "system",
            new={"sectors": sectors, "stages": stages, "budget": made.budget},
        )
    return made
