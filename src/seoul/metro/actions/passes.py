"""Monthly passes (기후동행카드): bought by the rider for this month or the next."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.core.roles import Role
from seoul.metro.actions.access import check_role
from seoul.metro.actions.journeys import next_month, rebuild_rider
from seoul.metro.actions.ledger import post
from seoul.metro.engine import data
from seoul.metro.engine.ledger import RIDER
from seoul.metro.errors import MetroError
from seoul.metro.events import MetroEvent
from seoul.metro.models import LedgerTransaction, Rider, RiderPass


def pass_months(now: datetime | None = None) -> list[date]:
    """The months a pass can be bought for: this month and the next (Seoul time)."""
    this_month = (now or timezone.now()).astimezone(SEOUL).date().replace(day=1)
    return [this_month, (this_month + timedelta(days=32)).replace(day=1)]


def buy_pass(rider: Rider, month: date, *, actor: User | None, now: datetime | None = None) -> RiderPass:
    """A pass of ``rider`` for ``month``; a second purchase of the same month is the first one.
    A rider buys their own, for this month or the next; metro admin staff (a correction) and the
    platform itself (``actor=None``: demo data, imports) may set any month."""
    first = month.replace(day=1)
    if actor is not None and rider.user_id != actor.pk:
        check_role(actor, Role.ADMIN)
    elif actor is not None and first not in pass_months(now):
        raise MetroError.PASS_MONTH.error("month")
    product = data.tariffs().raw["products"]["climate_card"]
    with transaction.atomic():
        bought, created = RiderPass.objects.get_or_create(
            rider=rider, product="climate_card", month=first, defaults={"price": product["price"]}
        )
        if created:
            price = product["price"]
            post(
                rider,
                f"pass:{rider.account}:{first:%Y-%m}",
                LedgerTransaction.Kind.PASS,
                price,
                [(f"{RIDER}:{rider.account}", price), ("revenue:passes", -price)],
                memo=f"{product['name_ko']} {first:%Y-%m}",
            )
            audit.record(MetroEvent.PASS_BOUGHT, actor=actor, target=rider, new={"month": f"{first:%Y-%m}"})
    if created:
        start = datetime(first.year, first.month, 1, tzinfo=SEOUL)
        rebuild_rider(rider.pk, actor=actor, now=now, touched=(start, next_month(start)))
    return bought
