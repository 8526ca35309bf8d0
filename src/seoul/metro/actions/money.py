"""Money that moves: cards registered at the payment gateway, prepaid top-ups, the daily
settlement of postpaid riders, the deny list, gateway webhooks and the reconciliation with the
gateway's report (docs/metro-riders.md "Money").

Ledger accounts (engine/ledger.py): ``rider:<account>`` is what the rider owes (debit positive),
so the rider's balance is minus its sum; ``gateway`` is money the gateway holds for the city.
A captured payment posts ``gateway +amount / rider −amount`` under ``pay:<payment key>``; money
returned to a card posts the reverse. Journeys, passes and refunds post against the rider as
before. Every posting has a unique key, so a webhook that repeats an answer, a retried call or a
re-run job posts nothing twice.

Gateway calls happen after the recording commits (``transaction.on_commit``) or in a job, never
under a row lock; every call carries the payment's key as its idempotency key, so a retry after a
timeout gets the first answer and moves no money twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from seoul.core import audit
from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.metro.actions.access import check_role, own_rider
from seoul.metro.actions.ledger import post
from seoul.metro.actions.notify import notify
from seoul.metro.adapters import gateway
from seoul.metro.errors import MetroError
from seoul.metro.events import MetroEvent
from seoul.metro.models import (
    CardSession,
    DenyListing,
    GatewayWebhook,
    LedgerEntry,
    LedgerTransaction,
    Notification,
    Payment,
    PaymentCard,
    Reconciliation,
    ReconciliationDifference,
    Rider,
)

log = logging.getLogger("seoul.metro.money")

GATEWAY = "gateway"
TOP_UP_STEP = 1_000
TOP_UP_MAX = 500_000  # the most a prepaid balance may hold, as on a T-money card (충전 한도 50만 원)
MONEY_IN = (Payment.Purpose.TOP_UP, Payment.Purpose.SETTLEMENT, Payment.Purpose.DEBT)
RETRY_AFTER = timedelta(minutes=1)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def balance(rider: Rider) -> int:
    """What the rider has with us (negative: what they owe), from the ledger."""
    total = LedgerEntry.objects.filter(account=rider.ledger_account()).aggregate(s=Sum("amount"))["s"] or 0
    return -int(total)


def outstanding(rider: Rider, cutoff: datetime | None = None) -> int:
    """What a postpaid rider still owes for what was charged before ``cutoff`` (default: now),
    counting payments already on their way (pending or captured) as paid, so that two
    settlements never ask for the same won."""
    charged = LedgerEntry.objects.filter(account=rider.ledger_account()).exclude(
        transaction__kind__in=[LedgerTransaction.Kind.PAYMENT, LedgerTransaction.Kind.PAYOUT]
    )
    if cutoff is not None:
        charged = charged.filter(transaction__posted_at__lt=cutoff)
    owed = int(charged.aggregate(s=Sum("amount"))["s"] or 0)
    live = rider.payments.filter(status__in=[Payment.Status.PENDING, Payment.Status.CAPTURED, Payment.Status.REFUNDED])
    paid_in = int(live.filter(purpose__in=MONEY_IN).aggregate(s=Sum("amount"))["s"] or 0)
    paid_out = int(live.filter(purpose=Payment.Purpose.PAYOUT).aggregate(s=Sum("amount"))["s"] or 0)
    return owed - paid_in + paid_out


def live_card(rider: Rider) -> PaymentCard | None:
    return rider.cards.filter(removed_at__isnull=True).first()


def _own(rider: Rider, actor: User | None) -> None:
    if actor is not None and own_rider(actor).pk != rider.pk:
        raise MetroError.NOT_YOUR_ACCOUNT.denied()


# --- cards --------------------------------------------------------------------------------


def start_card_registration(rider: Rider, return_url: str, *, actor: User, now: datetime | None = None) -> str:
    """The gateway's hosted card page for the actor's own account (the card number is typed
    there, never here); the browser comes back to ``return_url`` with the session id."""
    _own(rider, actor)
    try:
        session_id, url = gateway.start_card_registration(rider.account, return_url)
    except gateway.GatewayError as exc:
        log.warning("card registration for %s not started: %s", rider, exc)
        raise MetroError.GATEWAY_UNAVAILABLE.error() from exc
    CardSession.objects.create(rider=rider, session_id=session_id, started_at=_now(now))
    return url


def finish_card_registration(rider: Rider, session_id: str, *, actor: User, now: datetime | None = None) -> PaymentCard:
    """Keep the card the rider registered in session ``session_id`` (one this rider started);
    a registered card replaces the one before. Coming back twice keeps one card."""
    _own(rider, actor)
    session = CardSession.objects.filter(rider=rider, session_id=session_id).first()
    if session is None:
        raise MetroError.NO_SUCH_CARD_SESSION.error()
    if session.completed_at is not None:
        card = rider.cards.filter(registered_at=session.completed_at).first()
        if card is not None:
            return card
    try:
        registered = gateway.card_registration(session_id)
    except gateway.GatewayError as exc:
        log.warning("card registration %s for %s: %s", session_id, rider, exc)
        if exc.code == "declined":
            raise MetroError.CARD_DECLINED.error() from exc
        raise MetroError.GATEWAY_UNAVAILABLE.error() from exc
    now = _now(now)
    with transaction.atomic():
        session = CardSession.objects.select_for_update().get(pk=session.pk)
        if session.completed_at is not None:  # the other tab won
            found = rider.cards.filter(registered_at=session.completed_at).first()
            if found is not None:
                return found
        old = live_card(rider)
        if old is not None:
            old.removed_at = now
            old.save(update_fields=["removed_at"])
        card = PaymentCard.objects.create(
            rider=rider,
            token=registered.token,
            brand=registered.brand[:30],
            last4=registered.last4[:4],
            expires=registered.expires[:7],
            registered_at=now,
        )
        session.completed_at = now
        session.save(update_fields=["completed_at"])
        audit.record(
            MetroEvent.CARD_REGISTERED,
            actor=actor,
            target=rider,
            old={"card": f"{old.brand} {old.last4}"} if old else None,
            new={"card": f"{card.brand} {card.last4}"},
        )
    return card


# --- payments -------------------------------------------------------------------------------


def _create_payment(
    rider: Rider, card: PaymentCard, purpose: str, amount: int, key: str, now: datetime, **extra: Any
) -> tuple[Payment, bool]:
    payment, created = Payment.objects.get_or_create(
        key=key,
        defaults={
            "rider": rider,
            "card": card,
            "purpose": purpose,
            "amount": amount,
            "created_at": now,
            "updated_at": now,
            **extra,
        },
    )
    if not created and (payment.rider_id != rider.pk or payment.amount != amount or payment.purpose != purpose):
        raise MetroError.CONFLICT.error()
    if created:
        pk = payment.pk
        transaction.on_commit(lambda: send_payment(pk))
    return payment, created


def send_payment(payment_id: int) -> Payment:
    """Ask the gateway for a pending payment (after commit, no lock held) and apply its answer.
    A timeout or an outage leaves it pending: :func:`retry_pending` or the webhook finishes it."""
    payment = Payment.objects.select_related("card", "refund_of").get(pk=payment_id)
    if payment.status != Payment.Status.PENDING:
        return payment
    try:
        if payment.purpose == Payment.Purpose.PAYOUT:
            assert payment.refund_of is not None  # noqa: S101
            answer = gateway.refund(payment.refund_of.gateway_id, payment.amount, idempotency_key=payment.key)
        else:
            answer = gateway.charge(
                payment.card.token, payment.amount, reference=payment.key, idempotency_key=payment.key
            )
    except gateway.GatewayError as exc:
        if exc.code in ("timeout", "unavailable"):
            log.warning("payment %s stays pending: %s", payment.key, exc)
            return payment
        # A refusal (unknown card, nothing left to refund, ...) will not change on a retry.
        log.error("payment %s refused by the gateway: %s %s", payment.key, exc.code, exc)
        Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
            status=Payment.Status.FAILED, decline_code=exc.code[:40], updated_at=timezone.now()
        )
        payment.refresh_from_db()
        return payment
    if payment.purpose == Payment.Purpose.PAYOUT:  # the answer is the refunded payment; ours is the refund
        return apply_result(payment.key, status="refunded", gateway_id=answer.refund_id, amount=payment.amount)
    return apply_result(
        payment.key, status=answer.status, gateway_id=answer.id, amount=answer.amount, decline_code=answer.decline_code
    )


def apply_result(
    key: str, *, status: str, gateway_id: str, amount: int, decline_code: str = "", now: datetime | None = None
) -> Payment:
    """Apply the gateway's answer for payment ``key``, once: a final payment ignores repeats.
    Captured money is posted to the ledger (``pay:<key>``); a declined settlement puts the rider on
    the deny list; a payment that brings a listed rider's debt to zero takes them off it."""
    now = _now(now)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("rider").get(key=key)
        if payment.status != Payment.Status.PENDING:
            if payment.status != _final(status, payment):
                log.error("payment %s: gateway now says %s, we hold %s", key, status, payment.status)
            return payment
        rider = payment.rider
        if status in ("captured", "refunded", "partially_refunded"):
            if amount != payment.amount:
                log.error("payment %s: gateway moved %s won, we asked %s", key, amount, payment.amount)
            payment.status = _final(status, payment)
            payment.gateway_id = gateway_id or payment.gateway_id
            moved = payment.amount
            if payment.purpose == Payment.Purpose.PAYOUT:
                entries = [(rider.ledger_account(), moved), (GATEWAY, -moved)]
                kind = LedgerTransaction.Kind.PAYOUT
            else:
                entries = [(GATEWAY, moved), (rider.ledger_account(), -moved)]
                kind = LedgerTransaction.Kind.PAYMENT
            charged = entries[0][1] if kind == LedgerTransaction.Kind.PAYOUT else entries[1][1]
            post(rider, f"pay:{key}", kind, charged, entries, memo=payment.purpose)
        elif status == "declined":
            payment.status = Payment.Status.DECLINED
            payment.decline_code = decline_code[:40]
            payment.gateway_id = gateway_id or payment.gateway_id
        else:
            log.warning("payment %s: unexpected gateway status %s", key, status)
            return payment
        payment.updated_at = now
        payment.save(update_fields=["status", "gateway_id", "decline_code", "updated_at"])
        audit.record(
            MetroEvent.PAYMENT_SETTLED if payment.status != Payment.Status.DECLINED else MetroEvent.PAYMENT_DECLINED,
            actor_label="payment gateway",
            target=rider,
            new={"payment": key, "status": payment.status, "amount": payment.amount, "decline": payment.decline_code},
        )
        _after(payment, now)
    return payment


def _final(status: str, payment: Payment) -> str:
    if status == "declined":
        return Payment.Status.DECLINED
    return Payment.Status.REFUNDED if payment.purpose == Payment.Purpose.PAYOUT else Payment.Status.CAPTURED


def _after(payment: Payment, now: datetime) -> None:
    rider = payment.rider
    listing = DenyListing.objects.select_for_update().filter(rider=rider, cleared_at__isnull=True).first()
    if payment.status == Payment.Status.DECLINED:
        notify(
            rider,
            Notification.Kind.DECLINED,
            f"declined:{payment.key}",
            {"amount": payment.amount, "purpose": payment.purpose},
            now=now,
        )
        if payment.purpose in (Payment.Purpose.SETTLEMENT, Payment.Purpose.DEBT) and listing is None:
            DenyListing.objects.create(rider=rider, payment=payment, listed_at=now)
            audit.record(
                MetroEvent.DENY_LISTED, actor_label="system (settlement)", target=rider, new={"payment": payment.key}
            )
            notify(rider, Notification.Kind.DENIED, f"denied:{payment.key}", {"amount": payment.amount}, now=now)
        return
    if payment.purpose == Payment.Purpose.TOP_UP:
        notify(rider, Notification.Kind.TOP_UP, f"top_up:{payment.key}", {"amount": payment.amount}, now=now)
    if payment.purpose == Payment.Purpose.PAYOUT:
        notify(rider, Notification.Kind.REFUND, f"payout:{payment.key}", {"amount": payment.amount}, now=now)
    if listing is not None and payment.purpose in MONEY_IN and outstanding(rider) <= 0:
        listing.cleared_at, listing.cleared_by = now, payment
        listing.save(update_fields=["cleared_at", "cleared_by"])
        audit.record(
            MetroEvent.DENY_CLEARED, actor_label="system (payment)", target=rider, new={"payment": payment.key}
        )
        notify(rider, Notification.Kind.CLEARED, f"cleared:{payment.key}", {}, now=now)


def top_up(rider: Rider, amount: int, nonce: str, *, actor: User, now: datetime | None = None) -> Payment:
    """Add ``amount`` won to the actor's prepaid balance from their card. ``nonce`` comes from the
    form, so a double click or a replayed request is the same top-up (never two)."""
    _own(rider, actor)
    now = _now(now)
    if rider.payment_mode != Rider.PaymentMode.PREPAID:
        raise MetroError.NOT_PREPAID.error()
    if amount < TOP_UP_STEP or amount % TOP_UP_STEP:
        raise MetroError.TOP_UP_AMOUNT.error("amount", step=f"{TOP_UP_STEP:,}")
    if not nonce or len(nonce) > 40 or not nonce.replace("-", "").isalnum():
        raise MetroError.CONFLICT.error()
    with transaction.atomic():
        Rider.objects.select_for_update().filter(pk=rider.pk).first()
        key = f"topup:{rider.account}:{nonce}"
        existing = Payment.objects.filter(key=key).first()
        if existing is not None:
            return _create_payment(rider, existing.card, existing.purpose, amount, key, now)[0]
        card = live_card(rider)
        if card is None:
            raise MetroError.NO_CARD.error()
        pending = int(
            rider.payments.filter(purpose=Payment.Purpose.TOP_UP, status=Payment.Status.PENDING).aggregate(
                s=Sum("amount")
            )["s"]
            or 0
        )
        if balance(rider) + pending + amount > TOP_UP_MAX:
            raise MetroError.TOP_UP_LIMIT.error("amount", limit=f"{TOP_UP_MAX:,}")
        payment, _created = _create_payment(rider, card, Payment.Purpose.TOP_UP, amount, key, now)
        audit.record(MetroEvent.TOP_UP_ASKED, actor=actor, target=rider, new={"payment": key, "amount": amount})
    return payment


def pay_debt(rider: Rider, nonce: str, *, actor: User, now: datetime | None = None) -> Payment:
    """Pay everything the actor's account owes now from their card (how a listed rider gets
    tagless back)."""
    _own(rider, actor)
    now = _now(now)
    with transaction.atomic():
        Rider.objects.select_for_update().filter(pk=rider.pk).first()
        key = f"debt:{rider.account}:{nonce}"
        existing = Payment.objects.filter(key=key).first()
        if existing is not None:
            return existing
        card = live_card(rider)
        if card is None:
            raise MetroError.NO_CARD.error()
        owed = outstanding(rider) if rider.payment_mode == Rider.PaymentMode.POSTPAID else -balance(rider)
        if owed <= 0:
            raise MetroError.NOTHING_OWED.error()
        payment, _created = _create_payment(rider, card, Payment.Purpose.DEBT, owed, key, now)
        audit.record(MetroEvent.DEBT_PAYMENT_ASKED, actor=actor, target=rider, new={"payment": key, "amount": owed})
    return payment


# --- the daily settlement of postpaid riders -------------------------------------------------


@dataclass
class SettlementRun:
    day: date
    asked: list[Payment] = field(default_factory=list)
    nothing_owed: int = 0
    no_card: int = 0


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=SEOUL)
    return start, start + timedelta(days=1)


def settle_day(day: date, *, actor: User | None = None, now: datetime | None = None) -> SettlementRun:
    """One capture per postpaid rider for what they owe for charges posted before the end of
    ``day`` (Seoul time), less payments already on their way. Running it again for the same day
    asks nothing more (one settlement per rider and day); a declined one puts the rider on the
    deny list, and the next day's settlement asks again."""
    check_role(actor, "admin")
    now = _now(now)
    _start, cutoff = day_bounds(day)
    if cutoff > now:
        raise MetroError.FUTURE_DAY.error("day", day=day.isoformat())
    run = SettlementRun(day)
    riders = Rider.objects.filter(payment_mode=Rider.PaymentMode.POSTPAID).order_by("pk")
    for rider in riders.iterator():
        with transaction.atomic():
            Rider.objects.select_for_update().filter(pk=rider.pk).first()
            existing = Payment.objects.filter(rider=rider, purpose=Payment.Purpose.SETTLEMENT, day=day).first()
            if existing is not None:
                run.asked.append(existing)
                continue
            owed = outstanding(rider, cutoff)
            if owed <= 0:
                run.nothing_owed += 1
                continue
            card = live_card(rider)
            if card is None:
                run.no_card += 1
                continue
            payment, _ = _create_payment(
                rider, card, Payment.Purpose.SETTLEMENT, owed, f"settle:{rider.account}:{day:%Y-%m-%d}", now, day=day
            )
            run.asked.append(payment)
    audit.record(
        MetroEvent.SETTLEMENT_RUN,
        actor=actor,
        actor_label="" if actor else "system (settlement)",
        target_type="metro.settlement",
        target_id=day.isoformat(),
        new={"asked": len(run.asked), "nothing_owed": run.nothing_owed, "no_card": run.no_card},
    )
    return run


def retry_pending(*, now: datetime | None = None) -> int:
    """Ask the gateway again (same key, so the same answer) for payments left pending by a
    timeout or an outage for at least a minute; returns how many were asked."""
    now = _now(now)
    stale = Payment.objects.filter(status=Payment.Status.PENDING, created_at__lt=now - RETRY_AFTER)
    ids = list(stale.values_list("pk", flat=True))
    for pk in ids:
        send_payment(pk)
    return len(ids)


def refund_credit(rider: Rider, *, actor: User | None = None, now: datetime | None = None) -> Payment | None:
    """Return a postpaid rider's credit (refunds after settlement left them in credit) to the
    card it was paid from: one payout against the latest captured payment, at most its amount."""
    now = _now(now)
    with transaction.atomic():
        Rider.objects.select_for_update().filter(pk=rider.pk).first()
        credit = -outstanding(rider)
        if credit <= 0 or rider.payment_mode != Rider.PaymentMode.POSTPAID:
            return None
        source = (
            rider.payments.filter(status=Payment.Status.CAPTURED, purpose__in=MONEY_IN)
            .exclude(gateway_id="")
            .order_by("-created_at")
            .first()
        )
        if source is None:
            return None
        already = int(
            source.payouts.exclude(status__in=[Payment.Status.DECLINED, Payment.Status.FAILED]).aggregate(
                s=Sum("amount")
            )["s"]
            or 0
        )
        amount = min(credit, source.amount - already)
        if amount <= 0:
            return None
        n = source.payouts.count() + 1
        payment, _ = _create_payment(
            rider, source.card, Payment.Purpose.PAYOUT, amount, f"payout:{source.key}#{n}", now, refund_of=source
        )
    return payment


# --- webhooks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookResult:
    accepted: bool
    duplicate: bool = False
    reason: str = ""


def receive_webhook(body: bytes, signature: str | None, *, now: datetime | None = None) -> WebhookResult:
    """A webhook from the gateway: refused unless signed with the shared secret and fresh; a
    repeat of an event id is a duplicate (nothing happens twice); a different body under a known
    event id is refused. A payment event finishes the payment it names (by our key)."""
    event = gateway.verify_webhook(body, signature)
    if event is None:
        log.warning("gateway webhook refused: bad or stale signature")
        return WebhookResult(False, reason="signature")
    try:
        event_id = str(event["event_id"])[:100]
        kind = str(event["type"])[:40]
        obj = dict(event.get("data") or {})
    except (KeyError, TypeError, ValueError):
        return WebhookResult(False, reason="shape")
    digest = hashlib.sha256(json.dumps(event, sort_keys=True, default=str).encode()).hexdigest()
    now = _now(now)
    payment = _payment_of(kind, obj)
    with transaction.atomic():
        seen, created = GatewayWebhook.objects.get_or_create(
            event_id=event_id,
            defaults={
                "type": kind,
                "payment_key": payment.key if payment else "",
                "content_hash": digest,
                "received_at": now,
            },
        )
    if not created:
        if seen.content_hash != digest:
            log.warning("gateway webhook %s: same id, different content; the first is kept", event_id)
            return WebhookResult(False, reason="conflict")
        return WebhookResult(True, duplicate=True)
    status = {"payment.captured": "captured", "payment.declined": "declined", "refund.succeeded": "refunded"}.get(kind)
    if status is None:
        return WebhookResult(True, reason="ignored type")
    if payment is None:
        log.warning("gateway webhook %s (%s) names no payment of ours", event_id, kind)
        return WebhookResult(True, reason="unknown payment")
    if kind == "refund.succeeded":
        apply_result(
            payment.key, status=status, gateway_id=str(obj.get("refund_id", "")), amount=payment.amount, now=now
        )
    else:
        apply_result(
            payment.key,
            status=status,
            gateway_id=str(obj.get("id", "")),
            amount=int(obj.get("amount", 0) or 0),
            decline_code=str(obj.get("decline_code", "")),
            now=now,
        )
    return WebhookResult(True)


def _payment_of(kind: str, obj: dict[str, Any]) -> Payment | None:
    """Our payment an event is about: a payment event names it by our reference (its key); a
    refund event by the refund's id, or, before our own answer came back, by the refunded
    payment's reference and the amount of a payout still pending."""
    reference = str(obj.get("reference", ""))[:100]
    if kind != "refund.succeeded":
        return (
            Payment.objects.filter(key=reference).exclude(purpose=Payment.Purpose.PAYOUT).first() if reference else None
        )
    refund_id = str(obj.get("refund_id", ""))[:100]
    found = Payment.objects.filter(purpose=Payment.Purpose.PAYOUT, gateway_id=refund_id).first() if refund_id else None
    if found is None and reference:
        found = (
            Payment.objects.filter(
                purpose=Payment.Purpose.PAYOUT,
                refund_of__key=reference,
                status=Payment.Status.PENDING,
                amount=int(obj.get("refund_amount", 0) or 0),
            )
            .order_by("created_at")
            .first()
        )
    return found


# --- reconciliation with the gateway's report ------------------------------------------------


def reconcile_gateway(day: date, *, actor: User | None = None, now: datetime | None = None) -> Reconciliation:
    """Compare the money the ledger moved through the gateway on ``day`` with the gateway's
    report and keep every difference (a movement on one side only, or different amounts). A
    capture is matched by our payment key (the gateway's reference), a refund by the gateway's
    refund id. A movement that the ledger posted just across midnight from the gateway's time
    (found in the neighbouring day's report, or posted on a neighbouring day) is not a difference."""
    check_role(actor, "admin")
    now = _now(now)
    ours = _ledger_movements(day_bounds(day))
    theirs = _report(day)
    diffs: list[ReconciliationDifference] = []
    matched = 0
    near_report: dict[str, int] | None = None
    for ref in sorted(set(ours) | set(theirs)):
        mine, their = ours.get(ref), theirs.get(ref)
        if mine is not None and their is not None:
            if mine == their:
                matched += 1
            else:
                diffs.append(
                    ReconciliationDifference(kind="amount", reference=ref, ledger_amount=mine, gateway_amount=their)
                )
        elif their is None:
            if near_report is None:
                near_report = {**_report(day - timedelta(days=1)), **_report(day + timedelta(days=1))}
            if near_report.get(ref) == mine:
                matched += 1
            else:
                diffs.append(ReconciliationDifference(kind="missing_at_gateway", reference=ref, ledger_amount=mine))
        else:
            start, end = day_bounds(day)
            if _ledger_movements((start - timedelta(days=1), end + timedelta(days=1))).get(ref) == their:
                matched += 1
            else:
                diffs.append(ReconciliationDifference(kind="missing_in_ledger", reference=ref, gateway_amount=their))
    with transaction.atomic():
        run = Reconciliation.objects.create(
            day=day, ran_at=now, ledger_total=sum(ours.values()), gateway_total=sum(theirs.values()), matched=matched
        )
        for d in diffs:
            d.run = run
        ReconciliationDifference.objects.bulk_create(diffs)
        audit.record(
            MetroEvent.RECONCILED,
            actor=actor,
            actor_label="" if actor else "system (reconciliation)",
            target=run,
            new={"matched": matched, "differences": len(diffs)},
        )
    return run


def _ledger_movements(bounds: tuple[datetime, datetime]) -> dict[str, int]:
    """Money in through the gateway per movement (captures positive, refunds negative) as the
    ledger posted it within ``bounds``."""
    start, end = bounds
    keys = {
        txn.key.removeprefix("pay:"): -txn.amount  # a payment's amount is negative, a payout's positive
        for txn in LedgerTransaction.objects.filter(key__startswith="pay:", posted_at__gte=start, posted_at__lt=end)
    }
    out: dict[str, int] = {}
    for p in Payment.objects.filter(key__in=list(keys)).only("key", "purpose", "gateway_id"):
        ref = f"refund:{p.gateway_id}" if p.purpose == Payment.Purpose.PAYOUT else f"capture:{p.key}"
        out[ref] = keys[p.key]
    return out


def _report(day: date) -> dict[str, int]:
    """The gateway's report of ``day`` per movement, keyed like :func:`_ledger_movements`."""
    out: dict[str, int] = {}
    for row in gateway.report(day):
        if row["type"] == "refund":
            ref, amount = f"refund:{row['id']}", -int(row["amount"])
        else:
            ref, amount = f"capture:{row.get('reference') or row['payment_id']}", int(row["amount"])
        out[ref] = out.get(ref, 0) + amount
    return out


def open_listings() -> int:
    return DenyListing.objects.filter(cleared_at__isnull=True).count()
