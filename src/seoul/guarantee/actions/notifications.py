"""Telling the applicant by SMS and e-mail, never from inside a transaction.

A state change records each message as a pending :class:`Notification` in its own
transaction and asks for it to be delivered once that transaction commits
(``transaction.on_commit(..., robust=True)``): a rolled-back decision sends nothing, and a
gateway that is down fails the delivery, not the decision. Delivery claims the row by a
conditional update (pending or failed → sending), calls the gateway with no transaction open
and no row locked, and records sent or failed. ``seoul guarantee resend-pending`` (every 10
minutes) delivers what failed and what was claimed but never finished (a process that died
mid-send); the gateway receives the notification's key, so a repeat is never a second message.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from seoul.core.adapters.http import AdapterError
from seoul.guarantee.actions._base import record
from seoul.guarantee.adapters import clients
from seoul.guarantee.events import GuaranteeEvent
from seoul.guarantee.models import Application, Notification

log = logging.getLogger("seoul.guarantee")

MAX_ATTEMPTS = 5
STALE_CLAIM = timedelta(minutes=10)  # a "sending" row this old was never finished
FRESH = timedelta(minutes=1)  # a pending row this young is still being delivered after its commit


# What the applicant is told, by the change that tells them.
MESSAGES = {
    "received": gettext_noop(
        "Seoul Credit Guarantee Foundation: application %(ref)s received. An examiner will review it."
    ),
    "approved": gettext_noop(
        "Seoul Credit Guarantee Foundation: application %(ref)s is approved. Sign the agreement online."
    ),
    "approved_lower": gettext_noop(
        "Seoul Credit Guarantee Foundation: application %(ref)s is approved for %(amount)s won "
        "(you asked for %(asked)s won). Sign the agreement online to accept it."
    ),
    "rejected": gettext_noop(
        "Seoul Credit Guarantee Foundation: application %(ref)s could not be approved. See the reasons online."
    ),
    "more_info": gettext_noop(
        "Seoul Credit Guarantee Foundation: application %(ref)s needs more information. See the request online."
    ),
    "fee_received": gettext_noop(
        "Seoul Credit Guarantee Foundation: the guarantee fee of %(amount)s won for %(ref)s was received. "
        "The guarantee certificate is being sent to the bank."
    ),
    "paid_out": gettext_noop("Seoul Credit Guarantee Foundation: the loan for %(ref)s has been paid out by the bank."),
    "instalment_due": gettext_noop(
        "Seoul Credit Guarantee Foundation: the loan for %(ref)s has an instalment due on %(due)s: "
        "%(principal)s won of principal and the interest. Please keep the money in the repayment account."
    ),
    "arrears": gettext_noop(
        "Seoul Credit Guarantee Foundation: the bank reports the loan for %(ref)s %(days)s days overdue "
        "(%(outstanding)s won outstanding). Please pay the bank, or call us to talk about your options."
    ),
    "defaulted": gettext_noop(
        "Seoul Credit Guarantee Foundation: the bank has declared the loan for %(ref)s in default. "
        "The foundation will contact you about repaying what it pays the bank."
    ),
    "repaid": gettext_noop("Seoul Credit Guarantee Foundation: the loan for %(ref)s is repaid in full. Thank you."),
    "subrogated": gettext_noop(
        "Seoul Credit Guarantee Foundation: the foundation has paid the bank %(amount)s won of the defaulted loan "
        "for %(ref)s. You now owe this amount to the foundation; we will agree a repayment plan with you."
    ),
    "claim_paid": gettext_noop(
        "Seoul Credit Guarantee Foundation: your payment of %(amount)s won on %(ref)s was received. "
        "You still owe %(remaining)s won."
    ),
    "renewal_window": gettext_noop(
        "Seoul Credit Guarantee Foundation: the loan for %(ref)s is due on %(term)s. You can ask online to extend "
        "its guarantee before then; the bank extends the loan once the guarantee is extended."
    ),
    "extended": gettext_noop(
        "Seoul Credit Guarantee Foundation: the bank has extended the loan for %(ref)s (%(amount)s won) to "
        "%(term)s, with its guarantee."
    ),
    "claim_plan": gettext_noop(
        "Seoul Credit Guarantee Foundation: your repayment plan for %(ref)s: %(months)s monthly instalments of "
        "about %(each)s won from %(first)s."
    ),
}


def notify(app: Application, message: str, **params: object) -> list[Notification]:
    """Record ``MESSAGES[message]`` for each of the applicant's channels, to be sent after
    commit; call inside the transaction of the change it is about. Written in Korean whatever
    the language of the page that caused it (an examiner may work in English)."""
    with translation.override("ko"):
        body = translation.gettext(MESSAGES[message]) % {"ref": app.reference, **params}
    made = []
    for channel, to in (("sms", app.phone), ("email", app.email)):
        if not to:
            continue
        note = Notification.objects.create(application=app, channel=channel, recipient=to, body=body)
        transaction.on_commit(partial(deliver, note.pk), robust=True)
        made.append(note)
    return made


def deliver(pk: int) -> str:
    """Send one recorded message now: ``sent``, ``failed``, or ``skipped`` when it was sent
    already or another worker holds it. Never call it with a transaction open."""
    now = timezone.now()
    claimable = Q(status__in=[Notification.Status.PENDING, Notification.Status.FAILED]) | Q(
        status=Notification.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    )
    claimed = Notification.objects.filter(claimable, pk=pk, attempts__lt=MAX_ATTEMPTS).update(
        status=Notification.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"
    note = Notification.objects.select_related("application").get(pk=pk)
    try:
        provider_id = clients.notifier().send(note.channel, note.recipient, note.body, key=note.key)
    except AdapterError as exc:
        Notification.objects.filter(pk=pk, status=Notification.Status.SENDING).update(
            status=Notification.Status.FAILED, last_error=f"{exc.code}: {exc}"[:200]
        )
        record(
            GuaranteeEvent.NOTIFICATION_FAILED,
            note.application,
            new={"channel": note.channel, "attempt": note.attempts, "code": exc.code},
        )
        log.warning("notification %s not sent (attempt %s): %s", pk, note.attempts, exc)
        return "failed"
    Notification.objects.filter(pk=pk, status=Notification.Status.SENDING).update(
        status=Notification.Status.SENT, sent_at=timezone.now(), provider_id=provider_id[:64], last_error=""
    )
    record(GuaranteeEvent.NOTIFIED, note.application, new={"channel": note.channel})
    return "sent"


def send_pending_notifications(*, now: datetime | None = None) -> dict[str, int]:
    """Deliver every message that failed, was never sent, or was left half-sent (the
    scheduled job). Safe to run at any time and twice: each message goes out once."""
    now = now or timezone.now()
    due = Notification.objects.filter(
        Q(status=Notification.Status.FAILED)
        | Q(status=Notification.Status.PENDING, created_at__lt=now - FRESH)
        | Q(status=Notification.Status.SENDING, claimed_at__lt=now - STALE_CLAIM),
        attempts__lt=MAX_ATTEMPTS,
    )
    counts: dict[str, int] = {}
    for pk in due.order_by("pk").values_list("pk", flat=True):
        result = deliver(pk)
        counts[result] = counts.get(result, 0) + 1
    given_up = Notification.objects.filter(status=Notification.Status.FAILED, attempts__gte=MAX_ATTEMPTS).count()
    if given_up:
        counts["given_up"] = given_up  # each was audited when it failed; staff see them on the file
    return counts
