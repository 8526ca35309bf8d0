"""A start-up applies to an open call: its registration number checked, its ask within the
stage's ticket limits, its pitch deck a PDF within the size cap, kept in the fund's store."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from django.db import IntegrityError, transaction
from django.utils import timezone

from seoul.core import audit, history
from seoul.core.crypto import blind_index
from seoul.core.engine import brn as brn_rules
from seoul.core.models import User
from seoul.core.validation import check_number, check_text
from seoul.fund import storage
from seoul.fund.actions._base import new_reference
from seoul.fund.engine.rules import rules
from seoul.fund.errors import FundError
from seoul.fund.events import FundEvent
from seoul.fund.labels import won
from seoul.fund.models import BRN_PURPOSE, Application, Call, Instrument, Transition

log = logging.getLogger(__name__)
TEAM_MAX = 10
MONEY_MAX = 10**13
COUNT_MAX = 10**9


@dataclass(frozen=True)
class Proposal:
    startup_name: str
    brn: str
    sector: str
    stage: str
    amount: int
    instrument: str
    summary: str
    team: list[tuple[str, str]] = field(default_factory=list)
    revenue_12m: int = 0
    employees: int = 0
    users: int = 0
    follow_on: int = 0


def _checked(call: Call, p: Proposal) -> dict[str, object]:
    fund = rules()
    name = check_text(p.startup_name, "startup_name", max_length=100)
    try:
        number = brn_rules.validate(p.brn)
    except brn_rules.InvalidBRN as exc:
        raise (FundError.BRN_CHECK if exc.code == "check_digit" else FundError.BRN_FORMAT).error("brn") from None
    if p.sector not in call.sectors or fund.sector(p.sector) is None:
        raise FundError.SECTOR_NOT_IN_CALL.error("sector")
    stage = fund.stage(p.stage)
    if p.stage not in call.stages or stage is None:
        raise FundError.STAGE_NOT_IN_CALL.error("stage")
    if p.instrument not in Instrument.values:
        raise FundError.NO_TICKET.error("instrument")
    if p.instrument not in call.instruments:
        raise FundError.INSTRUMENT_NOT_IN_CALL.error("instrument")
    ticket = stage.tickets.get(p.instrument)
    if ticket is None:
        raise FundError.NO_TICKET.error("instrument")
    check_number(p.amount, "amount", lo=1, hi=MONEY_MAX)
    if not ticket[0] <= p.amount <= ticket[1]:
        raise FundError.TICKET.error("amount", lo=won(ticket[0]), hi=won(ticket[1]))
    team = [
        {
            "name": check_text(n, f"team_{i}_name", max_length=60),
            "role": check_text(r, f"team_{i}_role", max_length=60),
        }
        for i, (n, r) in enumerate(p.team[:TEAM_MAX], start=1)
        if (n or "").strip() or (r or "").strip()
    ]
    if not team:
        raise FundError.TEAM_REQUIRED.error("team_1_name")
    return {
        "startup_name": name,
        "brn": number,
        "sector": p.sector,
        "stage": p.stage,
        "amount": p.amount,
        "instrument": p.instrument,
        "summary": check_text(p.summary, "summary", max_length=2000, multiline=True),
        "team": team,
        "revenue_12m": int(check_number(p.revenue_12m, "revenue_12m", lo=0, hi=MONEY_MAX)),
        "employees": int(check_number(p.employees, "employees", lo=0, hi=COUNT_MAX)),
        "users": int(check_number(p.users, "users", lo=0, hi=COUNT_MAX)),
        "follow_on": int(check_number(p.follow_on, "follow_on", lo=0, hi=MONEY_MAX)),
    }


def check_deck(deck: BinaryIO, size: int) -> None:
    problem = storage.check_upload(deck, size)
    if problem == "empty":
        raise FundError.DECK_EMPTY.error("deck")
    if problem == "too_big":
        raise FundError.DECK_TOO_BIG.error("deck", mb=storage.MAX_BYTES // (1024 * 1024))
    if problem:
        raise FundError.DECK_NOT_PDF.error("deck")


def apply(
    call: Call, proposal: Proposal, deck: BinaryIO, deck_size: int, *, actor: User, today: date | None = None
) -> Application:
    today = today or timezone.localdate()
    if actor.kind != User.Kind.CITIZEN:
        raise FundError.CITIZENS_ONLY.denied()
    if not call.is_open(today):
        raise FundError.CALL_CLOSED.error()
    fields = _checked(call, proposal)
    check_deck(deck, deck_size)
    if Application.objects.filter(call=call, brn_index=blind_index(str(fields["brn"]), purpose=BRN_PURPOSE)).exists():
        raise FundError.ALREADY_APPLIED.error("brn")
    reference = new_reference(today)
    key = f"{today:%Y}/{reference}.pdf"
    sha, size = storage.put(key, deck)  # the bytes first; the rows only once they are kept
    try:
        with transaction.atomic():
            # the call as it stands now, locked: staff may have changed or closed it meanwhile
            locked = Call.objects.select_for_update().get(pk=call.pk)
            if not locked.is_open(today):
                raise FundError.CALL_CLOSED.error()
            fields = _checked(locked, proposal)
            made = Application.objects.create(
                reference=reference,
                call=locked,
                applicant=actor,
                deck_key=key,
                deck_sha256=sha,
                deck_size=size,
                **fields,
            )
            history.begin(Transition, made, actor=actor)
            audit.record(
                FundEvent.APPLIED,
                target=made,
                actor=actor,
                new={"call": call.code, "sector": made.sector, "stage": made.stage, "amount": made.amount},
            )
    except IntegrityError:  # the same start-up from another tab at the same moment
        storage.delete(key)
        raise FundError.ALREADY_APPLIED.error("brn") from None
    except Exception:
        storage.delete(key)
        raise
    log.info("fund application %s: deck %s (%d bytes)", reference, key, size)
    return made
