from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from seoul.core.models import AuditEvent, Institution, User
from seoul.core.roles import Role, Service


@dataclass(frozen=True)
class AuditFilter:
    event: str = ""
    actor: str = ""
    target: str = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "newest"


# How the audit log can be ordered (the id breaks ties: events of one instant keep their order).
AUDIT_ORDER = {
    "newest": ("-at", "-id"),
    "oldest": ("at", "id"),
    "event": ("event", "-at", "-id"),
    "actor": ("actor_label", "-at", "-id"),
}


def audit_events_visible_to(user: User) -> QuerySet[AuditEvent]:
    """Platform admins and core admins see everything; other auditors their institution's events."""
    qs = AuditEvent.objects.select_related("actor", "institution")
    if user.has_role(Service.CORE, Role.ADMIN):
        return qs
    if user.institution_id is None:
        return qs.none()
    return qs.filter(institution_id=user.institution_id)


def search_audit(user: User, flt: AuditFilter) -> QuerySet[AuditEvent]:
    qs = audit_events_visible_to(user)
    if flt.event:
        qs = qs.filter(event=flt.event)
    if flt.actor:
        qs = qs.filter(actor_label__icontains=flt.actor)
    if flt.target:
        qs = qs.filter(target_label__icontains=flt.target) | qs.filter(target_id=flt.target)
    tz = timezone.get_current_timezone()
    if flt.date_from:
        qs = qs.filter(at__gte=datetime.combine(flt.date_from, time.min, tzinfo=tz))
    if flt.date_to:
        qs = qs.filter(at__lt=datetime.combine(flt.date_to + timedelta(days=1), time.min, tzinfo=tz))
    return qs.order_by(*AUDIT_ORDER.get(flt.sort, AUDIT_ORDER["newest"]))


def institutions() -> QuerySet[Institution]:
    return Institution.objects.all()
