"""The checks every action of contact tracing starts with: the role the use case needs and the
scope of the record (``visible_to`` / ``manageable_by``), then values that did not come through
a form. ``actor=None`` is the system (demo data, batch jobs), which passes every check."""

from __future__ import annotations

from collections.abc import Iterable

from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.tracing.errors import TracingError
from seoul.tracing.models import STAFF_ROLES, Case, Contact, Outbreak


def need_role(actor: User | None, role: str) -> None:
    if actor is not None and not actor.has_role(Service.TRACING, role):
        raise TracingError.NEEDS_ROLE.denied(role=str(STAFF_ROLES[Role(role)]))


def case_for(actor: User | None, case: Case, role: str = Role.OPERATOR) -> Case:
    """The case, locked for update, if ``actor`` holds ``role`` and may see it."""
    need_role(actor, role)
    if actor is not None and not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise TracingError.CASE_NOT_IN_SCOPE.denied()
    return Case.objects.select_for_update(of=("self",)).select_related("outbreak", "person").get(pk=case.pk)


def contact_for(actor: User | None, contact: Contact, role: str = Role.OPERATOR) -> Contact:
    """The contact, locked for update, if ``actor`` holds ``role`` and may see it."""
    need_role(actor, role)
    if actor is not None and not Contact.objects.visible_to(actor).filter(pk=contact.pk).exists():
        raise TracingError.CONTACT_NOT_IN_SCOPE.denied()
    return (
        Contact.objects.select_for_update(of=("self",))
        .select_related("outbreak", "person", "source_case")
        .get(pk=contact.pk)
    )


def outbreak_seen(actor: User | None, outbreak: Outbreak) -> Outbreak:
    """The outbreak, if ``actor`` takes part in it (``Outbreak.objects.visible_to``)."""
    if actor is not None and not Outbreak.objects.visible_to(actor).filter(pk=outbreak.pk).exists():
        raise TracingError.OUTBREAK_NOT_IN_SCOPE.denied()
    return outbreak


def outbreak_managed(actor: User | None, outbreak: Outbreak) -> Outbreak:
    """The outbreak, locked for update, if ``actor`` may manage it (``manageable_by``)."""
    need_role(actor, Role.APPROVER)
    if actor is not None and not Outbreak.objects.manageable_by(actor).filter(pk=outbreak.pk).exists():
        raise TracingError.OUTBREAK_NOT_MANAGED.denied()
    return Outbreak.objects.select_for_update().get(pk=outbreak.pk)


def district(value: int, field: str = "district") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 24:
        raise TracingError.DISTRICT.error(field)
    return value


def choice(value: str, choices: Iterable[str], field: str) -> str:
    if value not in set(choices):
        raise TracingError.CHOICE.error(field)
    return value
