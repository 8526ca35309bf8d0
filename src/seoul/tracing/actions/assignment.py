"""Who works where and on what: tracer profiles (a district), automatic assignment of new
cases and contacts, and reassignment by a supervisor within what they manage."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.core.validation import check_text
from seoul.tracing.actions._checks import district as check_district
from seoul.tracing.actions._checks import need_role
from seoul.tracing.errors import TracingError
from seoul.tracing.events import TracingEvent
from seoul.tracing.models import Assignment, Case, Contact, TracerProfile

log = logging.getLogger("seoul.tracing")


def set_tracer_profile(user: User, district: int, *, actor: User | None, active: bool = True) -> TracerProfile:
    """The district a tracer works in (or a supervisor supervises): tracing administrators."""
    need_role(actor, Role.ADMIN)
    district = check_district(district)
    if not user.has_role(Service.TRACING, Role.OPERATOR):
        raise TracingError.TRACER_ROLE.error("user")
    with transaction.atomic():
        old = TracerProfile.objects.filter(user=user).values("district", "active").first()
        profile, _created = TracerProfile.objects.update_or_create(
            user=user, defaults={"district": district, "active": active}
        )
        audit.record(
            TracingEvent.TRACER_PROFILE_SET,
            actor=actor,
            target=user,
            old=old,
            new={"district": district, "active": active},
        )
    return profile


def pick_tracer(district: int) -> User | None:
    """The tracer of ``district`` with the fewest open assignments (then the lowest id);
    when the district has no tracer, the least loaded tracer of the city."""
    tracers = TracerProfile.objects.tracers()
    for profiles in (tracers.filter(district=district), tracers):
        best = (
            profiles.annotate(
                load=Count("user__tracing_assignments", filter=Q(user__tracing_assignments__ended_at=None))
            )
            .order_by("load", "user_id")
            .select_related("user")
            .first()
        )
        if best is not None:
            tracer: User = best.user
            return tracer
    return None


def assign(
    *,
    actor: User | None,
    case: Case | None = None,
    contact: Contact | None = None,
    tracer: User | None = None,
    reason: str = "",
) -> Assignment | None:
    """A new case or contact to ``tracer``, else to :func:`pick_tracer` (inside the caller's
    transaction; the caller has checked the actor)."""
    target: Case | Contact | None = case or contact
    if target is None:
        raise ValueError("assign needs a case or a contact")
    tracer = tracer or pick_tracer(target.district)
    if tracer is None:
        log.warning("no tracer to assign %s to", target)
        return None
    assignment = Assignment.objects.create(case=case, contact=contact, tracer=tracer, assigned_by=actor, reason=reason)
    audit.record(
        TracingEvent.ASSIGNED,
        actor=actor,
        actor_label="" if actor else "system (assignment)",
        target=target,
        new={"tracer": tracer.username, "district": target.district, "reason": reason},
    )
    return assignment


def reassign(assignment: Assignment, tracer: User, reason: str, *, actor: User | None) -> Assignment:
    """Give the work to another tracer the actor manages (``TracerProfile.objects.managed_by``:
    their district's, every district's for administrators); the old assignment ends and both
    are kept."""
    need_role(actor, Role.APPROVER)
    reason = check_text(reason, "reason", min_length=5, max_length=300)
    tracers = TracerProfile.objects.tracers() if actor is None else TracerProfile.objects.managed_by(actor)
    if not tracers.filter(user=tracer).exists():
        raise TracingError.NOT_A_TRACER_OF_YOURS.error("tracer")
    with transaction.atomic():
        current = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("case", "contact", "tracer")
            .get(pk=assignment.pk)
        )
        target: Case | Contact = current.case or current.contact  # type: ignore[assignment]
        if actor is not None:
            if isinstance(target, Case):
                if not Case.objects.visible_to(actor).filter(pk=target.pk).exists():
                    raise TracingError.CASE_NOT_IN_SCOPE.denied()
            elif not Contact.objects.visible_to(actor).filter(pk=target.pk).exists():
                raise TracingError.CONTACT_NOT_IN_SCOPE.denied()
        if current.ended_at is not None:
            raise TracingError.ASSIGNMENT_ENDED.error("assignment")
        if current.tracer_id == tracer.pk:
            raise TracingError.SAME_TRACER.error("tracer")
        current.ended_at = timezone.now()
        current.save(update_fields=["ended_at"])
        new = Assignment.objects.create(
            case=current.case, contact=current.contact, tracer=tracer, assigned_by=actor, reason=reason
        )
        audit.record(
            TracingEvent.REASSIGNED,
            actor=actor,
            target=target,
            old={"tracer": current.tracer.username},
            new={"tracer": tracer.username},
            reason=reason,
        )
    return new
