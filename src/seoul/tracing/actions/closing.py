"""Closing a contact's monitoring: completed (the monitoring period is over), lost to follow-up
(with the reason), or -- through ``cases.convert_to_case`` -- became a case. A closed contact
leaves the worklist and the daily texts; the day and the reason are kept.

``complete_finished_monitoring`` and ``close_silent_contacts`` are the nightly job (``seoul
tracing close-monitoring``): the first closes as completed every contact whose monitoring period
ended before ``today``; the second closes as lost every contact who has not reported for the
outbreak's ``lost_after_days`` (``engine/monitoring.py``), with the days and the last report as
the reason.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from seoul.core import audit
from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.core.validation import check_text
from seoul.tracing.actions._checks import choice, contact_for
from seoul.tracing.engine.monitoring import silent_days
from seoul.tracing.errors import TracingError
from seoul.tracing.events import TracingEvent
from seoul.tracing.models import Contact, FollowUp

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
        new={"status": status, "closed_on": str(today), **({"reason": reason} if reason else {})},
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
    (the outbreak's monitoring days after the last exposure; for a household, after the case's
    isolation ended); returns how many."""
    closed = 0
    under = Contact.objects.filter(status=Contact.Status.MONITORING).select_related("outbreak", "source_case")
    for contact in under:
        if contact.quarantine_end < today and not contact.waits_for_case:
            with transaction.atomic():
                locked = contact_for(actor, contact)
                if locked.status == Contact.Status.MONITORING:
                    _close(locked, Contact.Status.COMPLETED, today, "", actor=actor)
                    closed += 1
    return closed


def close_silent_contacts(today: date, *, actor: User | None = None) -> int:
    """Close as lost to follow-up every contact under monitoring who has not been reached for
    their outbreak's ``lost_after_days`` full days (0: never); returns how many. A contact whose
    period is already over is left to ``complete_finished_monitoring``: the days they were
    followed are what counts for them."""
    last = Max("follow_ups__day", filter=Q(follow_ups__status__in=FollowUp.REACHED))
    under = (
        Contact.objects.filter(status=Contact.Status.MONITORING, last_exposure_on__lt=today)
        .select_related("outbreak", "source_case")
        .annotate(last_report=last)
    )
    closed = 0
    for contact in under:
        limit = contact.outbreak.rules.lost_after_days
        last_report: date | None = contact.last_report  # type: ignore[attr-defined]  # annotated above
        days = silent_days(contact.quarantine_start, last_report, today)
        if not limit or days < limit or (contact.quarantine_end < today and not contact.waits_for_case):
            continue
        reason = f"{Contact.SILENT_PREFIX}{days}:{last_report or '-'}"
        with transaction.atomic():
            locked = contact_for(actor, contact)
            if locked.status == Contact.Status.MONITORING:
                _close(locked, Contact.Status.LOST, today, reason, actor=actor)
                closed += 1
    return closed
