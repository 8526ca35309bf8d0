"""An investee's life with the fund: the start-up sends evidence of a tranche's milestone (its
account, and the document as a PDF if it has one); staff verify it (or send it back, saying
why), attaching the evidence as a PDF if the start-up did not, and pay the tranche — only a
verified one, never twice;
the start-up reports its KPIs each quarter (a correction keeps the earlier report); staff
record valuations and distributions for the fund's TVPI and IRR."""

from __future__ import annotations

import logging
import secrets
from datetime import date
from typing import BinaryIO

from django.db import IntegrityError, transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.core.validation import DateRange, check_number, check_text
from seoul.fund import storage
from seoul.fund.actions._base import check_staff
from seoul.fund.engine import quarters
from seoul.fund.errors import FundError
from seoul.fund.events import FundEvent
from seoul.fund.models import Application, Distribution, KpiReport, Tranche, Valuation

log = logging.getLogger(__name__)
MONEY_MAX = 10**13
COUNT_MAX = 10**9


def _tranche_state(tranche: Tranche) -> Exception:
    return FundError.TRANCHE_STATE.error(state=str(tranche.get_state_display()).lower())


def _since_decision(application: Application) -> DateRange:
    decided = application.decided_at
    return DateRange(timezone.localdate(decided) if decided else date(2020, 1, 1))


def _keep_file(tranche: Tranche, source: BinaryIO, size: int) -> tuple[str, str, int]:
    """Check an evidence PDF and store it under a key of its own (the bytes before any row):
    its key, SHA-256 and size."""
    check_evidence_file(source, size)
    application = Application.objects.only("reference").get(pk=tranche.application_id)
    # an opaque key of its own: a second try at the same moment never touches this one's file
    key = f"{timezone.localdate():%Y}/{application.reference}-{tranche.number}-{secrets.token_hex(4)}.pdf"
    sha, kept = storage.put(key, source, folder=storage.EVIDENCE)
    return key, sha, kept


def _attach(locked: Tranche, key: str, sha: str, size: int) -> dict[str, object]:
    """Put the stored file on the tranche (the one it replaces is removed once the change is
    committed; the audit keeps both hashes); what the audit records of it."""
    replaced = locked.evidence_key
    locked.evidence_key, locked.evidence_sha256, locked.evidence_size = key, sha, size
    if replaced:
        transaction.on_commit(lambda: storage.delete(replaced, folder=storage.EVIDENCE))
    return {"evidence_sha256": sha, "evidence_bytes": size}


def send_evidence(
    tranche: Tranche,
    evidence: str,
    *,
    evidence_file: BinaryIO | None = None,
    evidence_size: int = 0,
    actor: User,
) -> Tranche:
    """The start-up says how the milestone was reached, attaching the document as a PDF if it
    has one (a file sent again after staff sent the evidence back replaces the first)."""
    text = check_text(evidence, "evidence", max_length=3000, multiline=True)
    key, sha, size = _keep_file(tranche, evidence_file, evidence_size) if evidence_file is not None else ("", "", 0)
    try:
        with transaction.atomic():
            locked = Tranche.objects.select_for_update().select_related("application").get(pk=tranche.pk)
            if locked.application.applicant_id != actor.pk:
                raise FundError.NOT_YOURS.denied()
            if locked.state != Tranche.States.PLANNED:
                raise _tranche_state(locked)
            locked.evidence = text
            locked.evidence_at = timezone.now()
            locked.state = Tranche.States.EVIDENCED
            attached = _attach(locked, key, sha, size) if key else {}
            locked.save()
            audit.record(
                FundEvent.EVIDENCE_SENT,
                target=locked,
                actor=actor,
                new={"tranche": locked.number, "evidence": text} | attached,
            )
    except Exception:
        storage.delete(key, folder=storage.EVIDENCE)
        raise
    return locked


def check_evidence_file(source: BinaryIO, size: int) -> None:
    """A PDF by its first bytes (never its name), within the deck's size cap."""
    problem = storage.check_upload(source, size)
    if problem == "empty":
        raise FundError.EVIDENCE_EMPTY.error("evidence_file")
    if problem == "too_big":
        raise FundError.EVIDENCE_TOO_BIG.error("evidence_file", mb=storage.MAX_BYTES // (1024 * 1024))
    if problem:
        raise FundError.EVIDENCE_NOT_PDF.error("evidence_file")


def verify(
    tranche: Tranche,
    *,
    accepted: bool,
    note: str = "",
    evidence_file: BinaryIO | None = None,
    evidence_size: int = 0,
    actor: User,
) -> Tranche:
    """Accept the evidence (the tranche may be paid) or send it back to the start-up, saying why.
    Accepting, staff may attach the evidence as a PDF (in place of one the start-up sent): kept
    in the fund's store with its SHA-256."""
    check_staff(actor)
    why = check_text(note, "note", max_length=300) if note.strip() else ""
    if not accepted and not why:
        raise FundError.REASON_REQUIRED.error("note")
    if evidence_file is not None and not accepted:
        raise FundError.EVIDENCE_ON_RETURN.error("evidence_file")
    key, sha, size = _keep_file(tranche, evidence_file, evidence_size) if evidence_file is not None else ("", "", 0)
    try:
        with transaction.atomic():
            locked = Tranche.objects.select_for_update().get(pk=tranche.pk)
            if locked.state != Tranche.States.EVIDENCED:
                raise _tranche_state(locked)
            locked.state = Tranche.States.VERIFIED if accepted else Tranche.States.PLANNED
            locked.verified_by = actor if accepted else None
            locked.verified_at = timezone.now() if accepted else None
            locked.verify_note = why
            attached = _attach(locked, key, sha, size) if key else {}
            locked.save()
            audit.record(
                FundEvent.MILESTONE_VERIFIED,
                target=locked,
                actor=actor,
                old={"state": Tranche.States.EVIDENCED},
                new={"state": locked.state, "accepted": accepted} | ({"note": why} if why else {}) | attached,
            )
    except Exception:
        storage.delete(key, folder=storage.EVIDENCE)
        raise
    if key:
        log.info("fund tranche %s: evidence %s (%d bytes)", locked, key, size)
    return locked


def pay(tranche: Tranche, *, paid_on: date, actor: User) -> Tranche:
    check_staff(actor)
    with transaction.atomic():
        locked = Tranche.objects.select_for_update().select_related("application").get(pk=tranche.pk)
        if locked.state != Tranche.States.VERIFIED:
            raise _tranche_state(locked)
        _since_decision(locked.application).check(paid_on, "paid_on")
        locked.state = Tranche.States.PAID
        locked.paid_on = paid_on
        locked.paid_by = actor
        locked.save()
        audit.record(
            FundEvent.TRANCHE_PAID,
            target=locked,
            actor=actor,
            old={"state": Tranche.States.VERIFIED},
            new={"state": Tranche.States.PAID, "amount": locked.amount, "paid_on": paid_on.isoformat()},
        )
    return locked


def report_kpis(
    application: Application,
    *,
    year: int,
    quarter: int,
    revenue: int,
    employees: int,
    follow_on: int,
    note: str = "",
    actor: User,
    today: date | None = None,
) -> KpiReport:
    """The investee's KPIs of a quarter that ended since the investment; a second report of the
    same quarter is a correction: the earlier one stays, marked replaced."""
    today = today or timezone.localdate()
    if application.applicant_id != actor.pk:
        raise FundError.NOT_YOURS.denied()
    if application.state != Application.States.INVEST:
        raise FundError.WRONG_STATE.error(state=str(application.get_state_display()).lower())
    since = timezone.localdate(application.decided_at) if application.decided_at else today
    if (year, quarter) not in quarters.reportable(today, since):
        raise FundError.KPI_QUARTER.error("quarter")
    values = {
        "revenue": int(check_number(revenue, "revenue", lo=0, hi=MONEY_MAX)),
        "employees": int(check_number(employees, "employees", lo=0, hi=COUNT_MAX)),
        "follow_on": int(check_number(follow_on, "follow_on", lo=0, hi=MONEY_MAX)),
    }
    why = check_text(note, "note", max_length=300) if note.strip() else ""
    try:
        with transaction.atomic():
            earlier = (
                KpiReport.objects.select_for_update()
                .filter(application=application, year=year, quarter=quarter, replaced_at__isnull=True)
                .first()
            )
            if earlier is not None:
                earlier.replaced_at = timezone.now()
                earlier.save(update_fields=["replaced_at"])
            made = KpiReport.objects.create(
                application=application, year=year, quarter=quarter, note=why, by=actor, **values
            )
            audit.record(
                FundEvent.KPI_REPORTED,
                target=application,
                actor=actor,
                old={k: getattr(earlier, k) for k in values} if earlier else None,
                new={"quarter": quarters.label(year, quarter)} | values,
            )
    except IntegrityError:  # the same quarter from another tab at the same moment: try again
        raise FundError.KPI_QUARTER.error("quarter") from None
    return made


def record_valuation(application: Application, *, on: date, value: int, note: str = "", actor: User) -> Valuation:
    check_staff(actor)
    if application.state != Application.States.INVEST:
        raise FundError.WRONG_STATE.error(state=str(application.get_state_display()).lower())
    _since_decision(application).check(on, "on")
    value = int(check_number(value, "value", lo=0, hi=MONEY_MAX))
    why = check_text(note, "note", max_length=300) if note.strip() else ""
    with transaction.atomic():
        made = Valuation.objects.create(application=application, on=on, value=value, note=why, by=actor)
        audit.record(
            FundEvent.VALUATION_RECORDED, target=application, actor=actor, new={"on": on.isoformat(), "value": value}
        )
    return made


def record_distribution(
    application: Application, *, on: date, amount: int, note: str = "", actor: User
) -> Distribution:
    check_staff(actor)
    if application.state != Application.States.INVEST:
        raise FundError.WRONG_STATE.error(state=str(application.get_state_display()).lower())
    _since_decision(application).check(on, "on")
    amount = int(check_number(amount, "amount", lo=1, hi=MONEY_MAX))
    why = check_text(note, "note", max_length=300) if note.strip() else ""
    with transaction.atomic():
        made = Distribution.objects.create(application=application, on=on, amount=amount, note=why, by=actor)
        audit.record(
            FundEvent.DISTRIBUTION_RECORDED,
            target=application,
            actor=actor,
            new={"on": on.isoformat(), "amount": amount},
        )
    return made
