"""Fare disputes and self-service refund requests: a rider disputes a charge of their own
journey within 8 weeks; where the ledger proves the case the platform refunds at once, otherwise
Seoul Metro staff refund (up to what is left of the charge) or reject it, with a resolution the
rider reads.

Proved by the ledger (decided automatically):
- **a double read**: a journey left without an exit because the rider's next entry was at the
  same gate array within :data:`DOUBLE_READ` — one passage read twice (a card tap after a
  tagless read, two windows of one walk). Its charge (the maximum fare) is refunded in full;
  the journey that follows is the real one.

Limits: a journey that started more than :data:`REQUEST_WITHIN` ago cannot be disputed (the
period riders are given for refunds), and a rider may open at most :data:`PER_MONTH` requests in
30 days; both answer with a plain reason."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.core.validation import check_text
from seoul.metro.actions.access import check_dispute_handler, own_rider
from seoul.metro.actions.ledger import post
from seoul.metro.actions.notify import notify
from seoul.metro.engine.ledger import REFUNDS, RIDER
from seoul.metro.errors import MetroError
from seoul.metro.events import MetroEvent
from seoul.metro.models import Dispute, Journey, LedgerTransaction, Notification

MIN_TEXT = 5
MAX_TEXT = 2000
REQUEST_WITHIN = timedelta(weeks=8)
PER_MONTH = 10
DOUBLE_READ = timedelta(seconds=90)


def open_dispute(journey: Journey, reason: str, *, actor: User) -> Dispute:
    """The rider disputes a charge of their own journey (one open dispute per journey)."""
    rider = own_rider(actor)
    if journey.rider_id != rider.pk:
        raise MetroError.NOT_YOUR_JOURNEY.denied()
    reason = check_text(reason, "reason", max_length=MAX_TEXT, min_length=0, multiline=True)
    if len(reason) < MIN_TEXT:
        raise MetroError.DISPUTE_REASON_SHORT.error("reason")
    with transaction.atomic():
        journey = Journey.objects.select_for_update().get(pk=journey.pk)
        if journey.disputes.filter(status=Dispute.Status.OPEN).exists():
            raise MetroError.DISPUTE_ALREADY_OPEN.error("reason")
        if journey.refundable <= 0:
            raise MetroError.NOTHING_TO_DISPUTE.error("reason")
        now = timezone.now()
        if journey.started_at < now - REQUEST_WITHIN:
            raise MetroError.DISPUTE_TOO_OLD.error("reason")
        if Dispute.objects.filter(rider=rider, opened_at__gte=now - timedelta(days=30)).count() >= PER_MONTH:
            raise MetroError.DISPUTE_TOO_MANY.error("reason", limit=PER_MONTH)
        dispute = Dispute.objects.create(journey=journey, rider=rider, reason=reason)
        audit.record(
            MetroEvent.DISPUTE_OPENED, actor=actor, target=journey, new={"dispute": dispute.pk, "reason": reason[:200]}
        )
        if _double_read(journey):
            _decide(dispute, refund=journey.refundable, resolution="double_read", actor=None)
    return dispute


def _double_read(journey: Journey) -> bool:
    """Whether the ledger shows this journey as a second read of one passage (module doc): an
    entry left without an exit because another entry of the rider at the same gate array
    followed within :data:`DOUBLE_READ`."""
    if journey.status != Journey.Status.NO_EXIT or journey.entry is None or journey.superseded:
        return False
    entry = journey.entry
    return Journey.objects.filter(
        rider_id=journey.rider_id,
        superseded=False,
        entry__gate_id=entry.gate_id,
        entry__at__gt=entry.at,
        entry__at__lte=entry.at + DOUBLE_READ,
    ).exists()


def resolve_dispute(dispute: Dispute, *, refund: int, resolution: str, actor: User) -> Dispute:
    """Refund up to what the journey was charged (less earlier refunds), or reject (refund 0)
    with a resolution the rider reads. Audited."""
    check_dispute_handler(actor)
    resolution = check_text(resolution, "resolution", max_length=MAX_TEXT, min_length=0, multiline=True)
    if len(resolution) < MIN_TEXT:
        raise MetroError.RESOLUTION_SHORT.error("resolution")
    with transaction.atomic():
        dispute = (
            Dispute.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("journey", "rider")
            .get(pk=dispute.pk)
        )
        return _decide(dispute, refund=refund, resolution=resolution, actor=actor)


def _decide(dispute: Dispute, *, refund: int, resolution: str, actor: User | None) -> Dispute:
    """Refund ``refund`` won of the journey (or reject with 0); ``actor=None``: decided by the
    platform (``resolution`` is then the rule's code, worded for the reader by the page)."""
    if dispute.status != Dispute.Status.OPEN:
        raise MetroError.DISPUTE_RESOLVED.error()
    refunded = (
        LedgerTransaction.objects.filter(journey_key=dispute.journey.key, kind=LedgerTransaction.Kind.REFUND).aggregate(
            s=Sum("amount")
        )["s"]
        or 0
    )
    room = dispute.journey.charge + refunded  # refunds are negative amounts
    if refund < 0 or refund > room:
        raise MetroError.REFUND_RANGE.error("refund", room=f"{room:,}")
    if refund:
        rider_account = f"{RIDER}:{dispute.rider.account}"
        post(
            dispute.rider,
            f"refund:dispute:{dispute.pk}",
            LedgerTransaction.Kind.REFUND,
            -refund,
            [(rider_account, -refund), (REFUNDS, refund)],
            journey_key=dispute.journey.key,
            memo=f"refund for dispute {dispute.pk}",
        )
        notify(dispute.rider, Notification.Kind.REFUND, f"refund:dispute:{dispute.pk}", {"amount": refund})
    dispute.status = Dispute.Status.REFUNDED if refund else Dispute.Status.REJECTED
    dispute.refund = refund
    dispute.resolution = resolution
    dispute.resolved_by = actor
    dispute.automatic = actor is None
    dispute.resolved_at = timezone.now()
    dispute.save()
    audit.record(
        MetroEvent.DISPUTE_RESOLVED,
        actor=actor,
        actor_label="" if actor else "system (refund rules)",
        target=dispute.journey,
        old={"status": Dispute.Status.OPEN},
        new={"status": dispute.status, "refund": refund, "dispute": dispute.pk, "automatic": actor is None},
    )
    return dispute
