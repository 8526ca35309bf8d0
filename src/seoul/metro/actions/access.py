"""Who may run the metro actions. Each action calls one of these itself, whatever page or API
called it (a page's own check is for showing the right page, not for safety)."""

from __future__ import annotations

from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.metro.errors import MetroError
from seoul.metro.models import Rider, handles_disputes


def check_role(actor: User | None, role: str) -> None:
    """``actor`` holds ``role`` of the metro service. None is the platform itself (scheduled jobs,
    the demo loader, the gate-event step of a tagless window): no person to check."""
    if actor is not None and not actor.has_role(Service.METRO, role):
        raise MetroError.NEEDS_ROLE.denied(role=Role(role).label)


def check_dispute_handler(actor: User) -> None:
    """Fare disputes are handled by approvers of the operating institution (models.handles_disputes)."""
    if handles_disputes(actor):
        return
    if not actor.has_role(Service.METRO, Role.APPROVER):
        raise MetroError.NEEDS_ROLE.denied(role=Role.APPROVER.label)
    raise MetroError.NOT_METRO_STAFF.denied()


def own_rider(actor: User) -> Rider:
    """The actor's own rider profile (refused when they have none)."""
    rider = Rider.objects.filter(user=actor).first() if actor.is_authenticated else None
    if rider is None:
        raise MetroError.NO_RIDER.denied()
    return rider
