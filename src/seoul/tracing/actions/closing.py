"""Closing a contact's monitoring: completed (the monitoring period is over), lost to follow-up
(with the reason), or -- through ``cases.convert_to_case`` -- became a case. A closed contact
leaves the worklist and the daily texts; the day and the reason are kept.

``complete_finished_monitoring`` is the scheduled job (``seoul tracing close-monitoring``): it
closes as completed every contact whose monitoring period ended before ``today``.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.core.validation import check_text
from seoul.tracing.actions._checks import choice, contact_for
from seoul.tracing.errors import TracingError
from seoul.tracing.events import TracingEvent
from seoul.tracing.models import Contact

CLOSING = (Contact.Status.COMPLETED, Contact.Status.LOST)


def _close(contact: Contact, status: str, today: date, reason: str, *, actor: User | None) -> Contact:
    contact.status = status
    contact.closed_on = today
    contact.close_reason = reason
    contact.save(update_fields=["status", "closed_on", "close_reason"])
    audit.record(
        TracingEvent.CONTACT_CLOSED,
        actor=actor,
        target=contact,
        old={"status": Contact.Status.MONITORING},
        new={"status": status, "closed_on": str(today)},
    )
    return contact


def close_contact(
    contact: Contact, status: str, *, reason: str = "", actor: User | None, today: date | None = None
) -> Contact:
    """End ``contact``'s monitoring as completed (only once the period is over) or lost to
    follow-up (a reason is needed: "no answer for 3 days, visit found nobody")."""
    choice(status, [s.value for s in CLOSING], "status")
    reason = check_text(reason, "reason", max_length=200, min_length=0)
    today = today or timezone.localdate(timezone.now(), SEOUL)
    with transaction.atomic():
        contact = contact_for(actor, contact)
        if contact.status != Contact.Status.MONITORING:
            raise TracingError.NOT_MONITORING.error("status")
        if status == Contact.Status.COMPLETED and today <= contact.quarantine_end:
            raise TracingError.MONITORING_NOT_OVER.error("status", end=contact.quarantine_end.isoformat())
        if status == Contact.Status.LOST and not reason:
            raise TracingError.REASON_NEEDED.error("reason")
        return _close(contact, status, today, reason, actor=actor)


def complete_finished_monitoring(today: date, *, actor: User | None = None) -> int:
    """Close as completed every contact under monitoring whose period ended before ``today``
    (the outbreak's monitoring days after the last exposure); returns how many."""
    closed = 0
    for contact in Contact.objects.filter(status=Contact.Status.MONITORING).select_related("outbreak"):
        if contact.quarantine_end < today:
            with transaction.atomic():
                locked = contact_for(actor, contact)
                if locked.status == Contact.Status.MONITORING:
                    _close(locked, Contact.Status.COMPLETED, today, "", actor=actor)
                    closed += 1
    return closed
