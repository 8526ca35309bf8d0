"""Notifications to riders: kept once per key (a repeated cause notifies once), shown in the app
in the reader's language, and texted for the kinds that need action (a declined card, tagless
stopped, a journey without an exit, a large charge) once the recording has committed."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from seoul.core.adapters import sms
from seoul.metro.engine import data
from seoul.metro.models import Notification, Rider

log = logging.getLogger("seoul.metro.notify")

TEXTED = {
    Notification.Kind.DECLINED,
    Notification.Kind.DENIED,
    Notification.Kind.INCOMPLETE,
    Notification.Kind.LARGE_CHARGE,
}


def large_charge_threshold() -> int:
    """Charges above this many won are notified (``SEOUL_METRO_NOTIFY_ABOVE``, default 5,000)."""
    return int(getattr(settings, "SEOUL_METRO_NOTIFY_ABOVE", 5_000))


def wording(kind: str, params: dict[str, Any]) -> str:
    """What a notification says, in the active language."""
    amount = f"{int(params.get('amount', 0)):,}"
    named = str(params.get("station", ""))
    station = data.station_name(named, translation.get_language() or "ko") if named else ""
    if kind == Notification.Kind.LARGE_CHARGE:
        return _("%(amount)s won was charged for your journey from %(station)s.") % {
            "amount": amount,
            "station": station,
        }
    if kind == Notification.Kind.INCOMPLETE:
        return _(
            "Your journey from %(station)s has no exit, so the highest fare was charged. Tell us where you left "
            "and the difference is refunded."
        ) % {"station": station}
    if kind == Notification.Kind.REFUND:
        return _("%(amount)s won was refunded.") % {"amount": amount}
    if kind == Notification.Kind.DECLINED:
        return _("Your card company declined a payment of %(amount)s won.") % {"amount": amount}
    if kind == Notification.Kind.DENIED:
        return _(
            "Tagless gates are stopped for your account until the unpaid %(amount)s won is paid. Pay it on the "
            "'My account' page; you can still tap a transport card."
        ) % {"amount": amount}
    if kind == Notification.Kind.CLEARED:
        return _("Your unpaid balance is paid: tagless gates work for your account again.")
    if kind == Notification.Kind.TOP_UP:
        return _("%(amount)s won was added to your balance.") % {"amount": amount}
    return str(kind)


def _text(notification_id: int) -> None:
    claimed = Notification.objects.filter(pk=notification_id, texted="").update(texted="sending")
    if not claimed:
        return
    item = Notification.objects.select_related("rider__user").get(pk=notification_id)
    user = item.rider.user
    number = user.phone if user is not None else ""
    if not number:
        Notification.objects.filter(pk=notification_id).update(texted="no_phone")
        return
    with translation.override("ko"):
        text = "[서울 메트로] " + wording(item.kind, item.params)
    try:
        sms.sender().send(number, text)
    except Exception as exc:
        log.warning("notification %s not texted: %s", item.key, exc)
        Notification.objects.filter(pk=notification_id).update(texted="failed")
        return
    Notification.objects.filter(pk=notification_id).update(texted="sent")


def notify(rider: Rider, kind: str, key: str, params: dict[str, Any], *, now: datetime | None = None) -> Notification:
    """Record a notification once per ``key``; texted after commit for the kinds that need action."""
    item, created = Notification.objects.get_or_create(
        key=key[:120], defaults={"rider": rider, "kind": kind, "params": params, "created_at": now or timezone.now()}
    )
    if created and kind in TEXTED:
        pk = item.pk
        transaction.on_commit(lambda: _text(pk))
    return item
