"""기후동행카드 (Climate Card): 30-day passes bought, renewed and refunded by the rider.

The product family, prices, validity and refund terms are data (tariffs.json
``products.climate_card``, with sources); docs/metro-journeys.md "기후동행카드". Every purchase
and refund is one balanced ledger transaction posted once by its key, under the rider's row
lock; the journeys the change can affect are then rebuilt (covered journeys charge 0, later
ones their fare again after a refund).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.core.roles import Role
from seoul.metro.actions.access import check_role
from seoul.metro.actions.journeys import rebuild_rider
from seoul.metro.actions.ledger import post
from seoul.metro.engine import data
from seoul.metro.engine.journeys import DAY_STARTS, pass_refund, service_day, young_adult_band
from seoul.metro.engine.ledger import RIDER
from seoul.metro.engine.riders import age_on
from seoul.metro.errors import MetroError
from seoul.metro.events import MetroEvent
from seoul.metro.models import Journey, LedgerTransaction, Rider, RiderPass

PRODUCT = "climate_card"


def _product() -> dict[str, Any]:
    card: dict[str, Any] = data.tariffs().raw["products"][PRODUCT]
    return card


def pass_starts(now: datetime | None = None) -> list[date]:
    """The first days a rider may choose: today and the next days within the product's
    ``start_within_days`` (the first day is chosen within 5 days of charging)."""
    today = service_day(now or timezone.now())
    return [today + timedelta(days=i) for i in range(_product()["start_within_days"])]


def pass_months(now: datetime | None = None) -> list[date]:
    """What the journeys page offers (kept under its old name for the page): a pass from today."""
    return pass_starts(now)[:1]


def _instant(day: date) -> datetime:
    """04:00 (Seoul) of ``day``: where a pass day begins."""
    return datetime.combine(day, DAY_STARTS, tzinfo=SEOUL)


def _check_actor(rider: Rider, actor: User | None) -> None:
    if actor is not None and rider.user_id != actor.pk:
        check_role(actor, Role.ADMIN)


def _check_variant(rider: Rider, variant: str, on: date) -> dict[str, Any]:
    variants: dict[str, dict[str, Any]] = _product()["variants"]
    if variant not in variants:
        raise MetroError.PASS_VARIANT.error("variant")
    spec = variants[variant]
    if spec.get("young_adult"):
        # The young-adult price needs a verified birth date (the rider profile has none yet:
        # the lead's verified fare categories will add it); never a self-declared age.
        birth = rider.birth_date
        band = young_adult_band(data.tariffs().raw, on)
        if birth is None or band is None or not band[0] <= age_on(birth, on) <= band[1]:
            raise MetroError.PASS_YOUNG_ADULT.error("variant")
    return spec


def _overlaps(rider: Rider, first: date, last: date) -> bool:
    return any(
        p.month <= last and first <= (p.ends_on or p.month) and p.refunded_at is None
        for p in RiderPass.objects.filter(rider=rider, product=PRODUCT)
    )


def _bought(
    rider: Rider, first: date, variant: str, spec: dict[str, Any], actor: User | None, renewal: bool
) -> RiderPass:
    """Create the pass and post its purchase once (the caller holds the rider's lock)."""
    days = _product()["days"]
    bought = RiderPass.objects.create(
        rider=rider,
        product=PRODUCT,
        variant=variant,
        month=first,
        ends_on=first + timedelta(days=days - 1),
        price=spec["price"],
    )
    key = f"pass:{rider.account}:{first.isoformat()}"
    if not LedgerTransaction.objects.filter(key=key).exists():
        post(
            rider,
            key,
            LedgerTransaction.Kind.PASS,
            spec["price"],
            [(f"{RIDER}:{rider.account}", spec["price"]), ("revenue:passes", -spec["price"])],
            memo=f"{_product()['name_ko']} {variant} {first.isoformat()}",
        )
    audit.record(
        MetroEvent.PASS_BOUGHT,
        actor=actor,
        target=rider,
        new={
            "first_day": first.isoformat(),
            "last_day": f"{bought.ends_on}",
            "variant": variant,
            "price": spec["price"],
            "renewal": renewal,
        },
        service="metro",
    )
    return bought


def buy_pass(
    rider: Rider,
    month: date,
    *,
    actor: User | None,
    variant: str = "standard",
    now: datetime | None = None,
) -> RiderPass:
    """A 30-day pass of ``rider`` from ``month`` (its first day; the name is the old one); a
    second purchase from the same day is the first one. A rider buys their own, from today or
    one of the next 4 days (:func:`pass_starts`), not overlapping a pass they hold; metro admin
    staff (a correction) and the platform itself (``actor=None``: demo data, imports) may set
    any first day."""
    _check_actor(rider, actor)
    now = now or timezone.now()
    if actor is not None and rider.user_id == actor.pk and month not in pass_starts(now):
        raise MetroError.PASS_MONTH.error("month")
    spec = _check_variant(rider, variant, month)
    last = month + timedelta(days=_product()["days"] - 1)
    with transaction.atomic():
        Rider.objects.select_for_update().get(pk=rider.pk)
        existing = RiderPass.objects.filter(rider=rider, product=PRODUCT, month=month).first()
        if existing is not None:
            return existing
        if _overlaps(rider, month, last):
            raise MetroError.PASS_OVERLAP.error("month")
        bought = _bought(rider, month, variant, spec, actor, renewal=False)
    rebuild_rider(rider.pk, actor=actor, now=now, touched=(_instant(month), _instant(last + timedelta(days=1))))
    return bought


def renew_pass(
    rider: Rider, *, actor: User | None, variant: str | None = None, now: datetime | None = None
) -> RiderPass:
    """The next 30 days, starting the day after the rider's current pass ends. Allowed from
    ``renew_within_days`` (5) days before it ends; a second renewal is the first one."""
    _check_actor(rider, actor)
    now = now or timezone.now()
    today = service_day(now)
    with transaction.atomic():
        Rider.objects.select_for_update().get(pk=rider.pk)
        current = RiderPass.objects.filter(
            rider=rider, product=PRODUCT, refunded_at__isnull=True, month__lte=today, ends_on__gte=today
        ).first()
        if current is None or current.ends_on is None:
            raise MetroError.PASS_NONE.error("variant")
        first = current.ends_on + timedelta(days=1)
        existing = RiderPass.objects.filter(rider=rider, product=PRODUCT, month=first).first()
        if existing is not None:
            return existing
        if (current.ends_on - today).days >= _product()["renew_within_days"]:
            raise MetroError.PASS_RENEW_EARLY.error("variant")
        chosen = variant or current.variant
        spec = _check_variant(rider, chosen, first)
        bought = _bought(rider, first, chosen, spec, actor, renewal=True)
    last = bought.ends_on or first
    rebuild_rider(rider.pk, actor=actor, now=now, touched=(_instant(first), _instant(last + timedelta(days=1))))
    return bought


def refund_pass(bought: RiderPass, *, actor: User | None, now: datetime | None = None) -> RiderPass:
    """Refund a pass before it ends, as the product's terms say (engine ``pass_refund``): the
    price less the regular fares of the journeys it covered, less the fee. Journeys after the
    refund are charged their fares. One refund per pass, posted once by its key."""
    rider = bought.rider
    _check_actor(rider, actor)
    now = now or timezone.now()
    with transaction.atomic():
        Rider.objects.select_for_update().get(pk=rider.pk)
        p = RiderPass.objects.select_for_update().get(pk=bought.pk)
        if p.refunded_at is not None:
            return p
        last = p.ends_on or p.month
        if service_day(now) > last:
            raise MetroError.PASS_ENDED.error("pass")
        used = sum(
            int(b.get("fare_without_pass", 0))
            for b in Journey.objects.filter(
                rider=rider,
                superseded=False,
                started_at__gte=_instant(p.month),
                started_at__lt=min(now, _instant(last + timedelta(days=1))),
            ).values_list("breakdown", flat=True)
            if b.get("covered_by") == PRODUCT
        )
        amount, detail = pass_refund(data.tariffs().raw, p.variant, p.price, used)
        p.refunded_at, p.refund = now, amount
        p.save(update_fields=["refunded_at", "refund"])
        key = f"pass-refund:{rider.account}:{p.month.isoformat()}"
        if amount and not LedgerTransaction.objects.filter(key=key).exists():
            post(
                rider,
                key,
                LedgerTransaction.Kind.REFUND,
                -amount,
                [(f"{RIDER}:{rider.account}", -amount), ("revenue:passes", amount)],
                memo=f"{_product()['name_ko']} refund {p.month.isoformat()}",
            )
        audit.record(MetroEvent.PASS_REFUNDED, actor=actor, target=rider, new=detail, service="metro")
    rebuild_rider(rider.pk, actor=actor, now=now, touched=(now, _instant(last + timedelta(days=1))))
    return p
