"""The long tail of exposure discovery: a supervisor chooses a score threshold for a case; the
candidates at or above it go to the tracers (``store_candidates``), the ones below get one text
asking them to get tested (docs/tracing-long-tail.md).

Korea's practice in 2020: a text to everyone near a site (16,628 people around the Guro call
centre, 57,536 around the Itaewon clubs), tracers calling the closest. The text:

- names no case, no person and no place beyond what the supervisor confirms was already in a
  public notice (refused if it repeats the case's name, phone, reference or a place of its
  timeline that was not announced);
- goes to the subscriber behind the pseudonymous movement-data id, relayed by the carrier
  that supplied the data (``to`` = ``pid:<id>``): the platform never holds the phone numbers of
  people it did not confirm as contacts;
- carries an opt-out link; opted-out ids get no further mass texts;
- is sent by the scheduled job ``seoul tracing send-mass-texts`` in batches (each committed: a
  crash resumes where it stopped, nobody is texted twice) under a rate limit (messages per
  second, the carrier's), and counted: sent, failed, opted out, and tested later (a laboratory
  result on record for the person after the text).
"""

from __future__ import annotations

import hashlib
import hmac
import time as _time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Value
from django.db.models.functions import Greatest
from django.utils import timezone, translation
from django.utils.translation import gettext

from seoul.core import audit
from seoul.core.adapters import sms
from seoul.core.crypto import blind_index
from seoul.core.models import User
from seoul.core.roles import Role
from seoul.core.validation import check_text
from seoul.tracing.actions._checks import case_for
from seoul.tracing.actions.discovery import REFUSALS, search_movement_data, store_candidates
from seoul.tracing.errors import TracingError
from seoul.tracing.events import TracingEvent
from seoul.tracing.models import Case, LabResult, MassText, MassTextOptOut, MassTextRecipient

if TYPE_CHECKING:
    from seoul.tracing.engine.discovery import Candidate as Found

DEFAULT_RATE = 30.0
"""Messages per second: a carrier's bulk-relay limit (configurable per send)."""
DEFAULT_BATCH = 500


def opt_out_token(presence_id: str) -> str:
    """The opt-out link's token: a keyed hash of the id (the id itself never goes in a URL)."""
    key = f"{settings.SECRET_KEY}:tracing.mass_text.opt_out".encode()
    return hmac.new(key, presence_id.encode(), hashlib.sha256).hexdigest()[:32]


def _opt_out_index(presence_id: str) -> str:
    return blind_index(presence_id, purpose="tracing.mass_text.opt_out")


def message_text(notice: str, link: str, language: str = "ko") -> str:
    """The long-tail text: a test is advised and anonymous testing is available; the public
    notice's words when the supervisor gave them; the opt-out link."""
    with translation.override(language):
        where = gettext(" (%(notice)s)") % {"notice": notice} if notice else ""
        return gettext(
            "[Seoul] You may have been near a COVID-19 case%(where)s. Please visit a screening "
            "clinic for a free test; anonymous testing is available. No more texts like this: %(link)s"
        ) % {"where": where, "link": link}


def identifying_terms(case: Case) -> list[str]:
    """What a mass text about ``case`` must never contain: the person's name and phone, the
    case's reference and number, and the places of its timeline."""
    terms = [case.person.name, case.person.phone, case.reference, case.person.presence_id]
    terms += [entry.place for entry in case.timeline.all()]
    return [t for t in terms if t and len(t) >= 2]


@dataclass(frozen=True)
class Split:
    to_tracers: dict[str, int]
    mass_text: MassText


def split_long_tail(
    case: Case,
    threshold: float,
    *,
    actor: User | None,
    notice: str = "",
    data_dir: Path | None = None,
    found: Sequence[Found] | None = None,
) -> Split:
    """Run discovery for ``case`` without a limit; keep the candidates scoring ``threshold`` or
    more for the tracers and plan one text to each below it (opted-out ids left out). ``notice``
    is what public notices already said ("이태원 소재 클럽 방문자, 4.24~5.6"), never more."""
    from seoul.tracing.models import movement_dir

    if threshold <= 0:
        raise TracingError.THRESHOLD.error("threshold")
    notice = check_text(notice, "notice", min_length=0, max_length=80)
    with transaction.atomic():
        case = case_for(actor, case, Role.APPROVER)
        lowered = notice.lower()
        if any(term.lower() in lowered for term in identifying_terms(case)):
            raise TracingError.NOTICE_IDENTIFIES.error("notice")
    if found is None:
        if not case.person.presence_id:
            raise TracingError.NO_PRESENCE_ID.error("presence_id")
        try:
            found = search_movement_data(data_dir or movement_dir(), case.person.presence_id, case.window(), None)
        except ValueError as exc:
            raise REFUSALS.get(getattr(exc, "code", ""), TracingError.DISCOVERY_FAILED).error("threshold") from exc
    high = [f for f in found if f.score >= threshold and f.person_id != case.person.presence_id]
    low = [f for f in found if f.score < threshold and f.person_id != case.person.presence_id]
    counts = store_candidates(case, high, actor=actor)
    opted = set(
        MassTextOptOut.objects.filter(index__in=[_opt_out_index(f.person_id) for f in low]).values_list(
            "index", flat=True
        )
    )
    with transaction.atomic():
        planned = MassText.objects.create(
            case=case, threshold=threshold, notice=notice, created_by=actor, candidates=len(found)
        )
        rows = []
        for f in low:
            opted_out = _opt_out_index(f.person_id) in opted
            rows.append(
                MassTextRecipient(
                    mass_text=planned,
                    presence_id=f.person_id[:64],
                    stop_token=opt_out_token(f.person_id[:64]),
                    score=float(f.score),
                    status=MassTextRecipient.Status.OPTED_OUT if opted_out else MassTextRecipient.Status.PENDING,
                )
            )
        MassTextRecipient.objects.bulk_create(rows, batch_size=2000)
        planned.recipients = sum(1 for r in rows if r.status == MassTextRecipient.Status.PENDING)
        planned.opted_out = len(rows) - planned.recipients
        planned.save(update_fields=["recipients", "opted_out"])
        audit.record(
            TracingEvent.MASS_TEXT_PLANNED,
            actor=actor,
            target=case,
            new={
                "mass_text": planned.pk,
                "threshold": threshold,
                "to_tracers": len(high),
                "texts": planned.recipients,
                "opted_out": planned.opted_out,
                "notice": notice,
            },
        )
    return Split(counts, planned)


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    batches: int = 0


class RateLimit:
    """At most ``per_second`` calls in any second: each call waits for its slot."""

    def __init__(
        self,
        per_second: float,
        clock: Callable[[], float] = _time.monotonic,
        sleep: Callable[[float], None] = _time.sleep,
    ):
        self.interval = 1.0 / per_second
        self.clock = clock
        self.sleep = sleep
        self.next_at = clock()

    def wait(self) -> None:
        now = self.clock()
        if now < self.next_at:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval


def send_mass_text(
    planned: MassText,
    base_url: str,
    *,
    rate: float = DEFAULT_RATE,
    batch: int = DEFAULT_BATCH,
    limit: RateLimit | None = None,
    max_batches: int | None = None,
) -> SendReport:
    """Send the pending texts of ``planned``, ``batch`` at a time (each batch's outcome
    committed before the next), no faster than ``rate`` per second. Safe to run again: only
    pending recipients are texted, each claimed before the gateway is called."""
    limit = limit or RateLimit(rate)
    report = SendReport()
    link_base = f"{base_url.rstrip('/')}/tracing/stop/"
    while max_batches is None or report.batches < max_batches:
        ids = list(
            MassTextRecipient.objects.filter(mass_text=planned, status=MassTextRecipient.Status.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            break
        report.batches += 1
        sent = failed = 0
        for pk in ids:
            claimed = MassTextRecipient.objects.filter(pk=pk, status=MassTextRecipient.Status.PENDING).update(
                status=MassTextRecipient.Status.SENDING
            )
            if not claimed:
                continue
            row = MassTextRecipient.objects.get(pk=pk)
            text = message_text(planned.notice, link_base + row.stop_token + "/")
            limit.wait()
            try:
                message_id = sms.sender().send(f"pid:{row.presence_id}", text)
            except sms.SmsError:
                MassTextRecipient.objects.filter(pk=pk).update(
                    status=MassTextRecipient.Status.FAILED, sent_at=timezone.now()
                )
                failed += 1
            else:
                MassTextRecipient.objects.filter(pk=pk).update(
                    status=MassTextRecipient.Status.SENT, sent_at=timezone.now(), message_id=message_id[:100]
                )
                sent += 1
        MassText.objects.filter(pk=planned.pk).update(sent=F("sent") + sent, failed=F("failed") + failed)
        report.sent += sent
        report.failed += failed
    planned.refresh_from_db()
    if not planned.recipient_rows.filter(status=MassTextRecipient.Status.PENDING).exists() and not planned.finished_at:
        planned.finished_at = timezone.now()
        planned.save(update_fields=["finished_at"])
        audit.record(
            TracingEvent.MASS_TEXT_SENT,
            actor_label="system (mass texts)",
            target=planned.case,
            new={"mass_text": planned.pk, "sent": planned.sent, "failed": planned.failed},
        )
    return report


def send_pending_mass_texts(base_url: str, *, rate: float = DEFAULT_RATE, batch: int = DEFAULT_BATCH) -> SendReport:
    """The scheduled job: every planned mass text not finished yet, oldest first."""
    total = SendReport()
    limit = RateLimit(rate)
    for planned in MassText.objects.filter(finished_at=None).order_by("created_at", "pk"):
        done = send_mass_text(planned, base_url, batch=batch, limit=limit)
        total.sent += done.sent
        total.failed += done.failed
        total.batches += done.batches
    return total


def opt_out(token: str) -> bool:
    """The person behind a mass text asked for no more: their id (found by the token their text
    carried) goes on the opt-out list as a keyed hash, and texts still pending to them are
    withdrawn. False when the token names nobody."""
    presence_id = MassTextRecipient.objects.filter(stop_token=token[:32]).values_list("presence_id", flat=True).first()
    if presence_id is None:
        return False
    with transaction.atomic():
        MassTextOptOut.objects.get_or_create(index=_opt_out_index(presence_id))
        pending = MassTextRecipient.objects.filter(presence_id=presence_id, status=MassTextRecipient.Status.PENDING)
        per_text = dict(pending.values_list("mass_text").annotate(n=Count("pk")).order_by())
        pending.update(status=MassTextRecipient.Status.OPTED_OUT)
        for planned_id, n in per_text.items():
            MassText.objects.filter(pk=planned_id).update(
                opted_out=F("opted_out") + n, recipients=Greatest(F("recipients") - n, Value(0))
            )
        audit.record(
            TracingEvent.MASS_TEXT_OPTED_OUT,
            actor_label="mass-text recipient",
            new={"withdrawn": sum(per_text.values())},
        )
    return True


def tested_later(planned: MassText) -> int:
    """Recipients texted who have a laboratory result on record taken after their text."""
    tested = LabResult.objects.filter(
        case__person__presence_id=OuterRef("presence_id"), collected_at__gte=OuterRef("sent_at")
    )
    texted = planned.recipient_rows.filter(status=MassTextRecipient.Status.SENT)
    return texted.filter(Exists(tested)).count()
