"""Fare disputes: a rider disputes a charge of their own journey; Seoul Metro staff refund
(up to what is left of the charge) or reject it, with a resolution the rider reads."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.core.validation import check_text
from seoul.metro.actions.access import check_dispute_handler, own_rider
from seoul.metro.actions.ledger import post
from seoul.metro.engine.ledger import REFUNDS, RIDER
from seoul.metro.errors import MetroError
from seoul.metro.events import MetroEvent
from seoul.metro.models import Dispute, Journey, LedgerTransaction

MIN_TEXT = 5
MAX_TEXT = 2000


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
        dispute = Dispute.objects.create(journey=journey, rider=rider, reason=reason)
        audit.record(
            MetroEvent.DISPUTE_OPENED, actor=actor, target=journey, new={"dispute": dispute.pk, "reason": reason[:200]}
        )
    return dispute


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
        if dispute.status != Dispute.Status.OPEN:
            raise MetroError.DISPUTE_RESOLVED.error()
        refunded = (
            LedgerTransaction.objects.filter(
                journey_key=dispute.journey.key, kind=LedgerTransaction.Kind.REFUND
            ).aggregate(s=Sum("amount"))["s"]
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
        dispute.status = Dispute.Status.REFUNDED if refund else Dispute.Status.REJECTED
        dispute.refund = refund
        dispute.resolution = resolution
        dispute.resolved_by = actor
        dispute.resolved_at = timezone.now()
        dispute.save()
        audit.record(
            MetroEvent.DISPUTE_RESOLVED,
            actor=actor,
            target=dispute.journey,
            old={"status": Dispute.Status.OPEN},
            new={"status": dispute.status, "refund": refund, "dispute": dispute.pk},
        )
    return dispute
