"""Who may change the plan, and the checks every plan write shares.

Each action calls :func:`check_edit` itself, whatever page, API operation or command called
it (a page's own check is for showing the right page, not for safety). The institution of a
project never changes, so the project the caller fetched tells whose it is.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import get_language

from seoul.core.engine.money import format_krw
from seoul.core.models import Institution, User
from seoul.core.roles import Role, Service
from seoul.plan.errors import PlanError
from seoul.plan.models import KPI_DECIMALS, KPI_DIGITS, MAX_KRW, MAX_QUANTITY


def can_edit(user: User, institution_id: int | None) -> bool:
    """Operators edit their own institution's projects; plan admins edit every institution's."""
    if user.has_role(Service.PLAN, Role.ADMIN):
        return True
    return (
        user.has_role(Service.PLAN, Role.OPERATOR)
        and user.institution_id is not None
        and user.institution_id == institution_id
    )


def check_edit(actor: User, institution_id: int | None) -> None:
    """Refuse (a PermissionDenied with a code) unless ``actor`` may change projects of the institution."""
    if can_edit(actor, institution_id):
        return
    if not actor.has_role(Service.PLAN, Role.OPERATOR):
        raise PlanError.NEEDS_OPERATOR.denied()
    owner = Institution.objects.filter(pk=institution_id).first() if institution_id is not None else None
    raise PlanError.OTHER_INSTITUTION.denied(institution=_name(owner))


def _name(institution: Institution | None) -> str:
    if institution is None:
        return "?"
    english = (get_language() or "ko").startswith("en")
    return institution.name_en if english and institution.name_en else institution.name_ko


def check_amount(value: int, field: str) -> int:
    if not 0 <= value <= MAX_KRW:
        raise PlanError.AMOUNT_RANGE.error(field, max=format_krw(MAX_KRW, lang=(get_language() or "ko")[:2]))
    return value


def check_quantity(value: int, field: str) -> int:
    if not 0 <= value <= MAX_QUANTITY:
        raise PlanError.QUANTITY_RANGE.error(field, max=f"{MAX_QUANTITY:,}")
    return value


def check_kpi_number(value: Decimal, field: str) -> Decimal:
    """A KPI value or target the database holds exactly: finite, below 10**14, 4 decimals at most."""
    limit = Decimal(10) ** (KPI_DIGITS - KPI_DECIMALS)
    if not value.is_finite() or abs(value) >= limit or value != round(value, KPI_DECIMALS):
        raise PlanError.NUMBER_RANGE.error(field, max=f"{limit:,}")
    return value
