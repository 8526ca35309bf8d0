"""What the fund's pages read, each through the reader's scope (404 outside it)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.fund.models import (
    MANAGER_INSTITUTION,
    Application,
    Call,
    CommitteeMember,
    KpiReport,
    Meeting,
    Tranche,
)

States = Application.States


def calls() -> QuerySet[Call]:
    return Call.objects.all()


def call(code: str) -> Call:
    return get_object_or_404(Call, code=code)


def _fund_staff(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.has_role(Service.FUND, Role.OPERATOR)


def staff_calls(user: Any) -> QuerySet[Call]:
    """Every call with how many start-ups applied, for fund staff (none for anyone else)."""
    if not _fund_staff(user):
        return Call.objects.none()
    return Call.objects.annotate(applied=Count("applications"))


def staff_call(user: Any, code: str) -> Call:
    found: Call = get_object_or_404(staff_calls(user), code=code)
    return found


def own_applications(user: Any) -> QuerySet[Application]:
    return Application.objects.own(user).select_related("call").prefetch_related("tranches")


def own_application(user: Any, reference: str) -> Application:
    return get_object_or_404(own_applications(user), reference=reference)


def own_tranche(user: Any, reference: str, number: int) -> Tranche:
    return get_object_or_404(
        Tranche, application__in=Application.objects.own(user), application__reference=reference, number=number
    )


def staff_application(user: Any, reference: str) -> Application:
    found: Application = get_object_or_404(
        Application.objects.visible_to(user).select_related("call", "meeting", "applicant"), reference=reference
    )
    return found


def staff_tranche(user: Any, reference: str, number: int) -> Tranche:
    return get_object_or_404(
        Tranche, application__in=Application.objects.visible_to(user), application__reference=reference, number=number
    )


def meetings(user: Any) -> QuerySet[Meeting]:
    if user is None or not user.is_authenticated or not user.has_role(Service.FUND, Role.OPERATOR):
        return Meeting.objects.none()
    return Meeting.objects.prefetch_related("present")


def meeting(user: Any, pk: int) -> Meeting:
    return get_object_or_404(meetings(user), pk=pk)


def members() -> QuerySet[CommitteeMember]:
    return CommitteeMember.objects.filter(active=True).select_related("user")


def membership(user: Any) -> QuerySet[CommitteeMember]:
    """The committee's members, current ones first, then former ones (kept, never deleted)."""
    if not _fund_staff(user):
        return CommitteeMember.objects.none()
    return CommitteeMember.objects.select_related("user").order_by("-active", "user__username")


def eligible_members() -> QuerySet[User]:
    """Who may be made a member: working staff accounts of the fund's manager holding the fund's
    approver role (or above), not sitting on the committee now."""
    return (
        User.objects.filter(
            kind=User.Kind.STAFF,
            is_active=True,
            institution__code=MANAGER_INSTITUTION,
            service_roles__service=Service.FUND,
            service_roles__role__in=(Role.APPROVER, Role.ADMIN),
        )
        .exclude(fund_member__active=True)
        .order_by("username")
        .distinct()
    )


def worklist(user: Any, *, state: str = "", sort: str = "applied") -> dict[str, Any]:
    """Applications to screen, milestones to verify, tranches to pay or due."""
    scoped = Application.objects.visible_to(user)
    to_screen = scoped.filter(state__in=(States.SUBMITTED, States.SCREENING)).select_related("call")
    if state:
        to_screen = to_screen.filter(state=state)
    to_screen = to_screen.order_by({"amount": "-amount", "name": "startup_name"}.get(sort, "applied_at"))
    tranches = Tranche.objects.filter(application__in=scoped).select_related("application")
    return {
        "to_screen": to_screen,
        "at_committee": scoped.filter(state=States.COMMITTEE).select_related("meeting"),
        "to_verify": tranches.filter(state=Tranche.States.EVIDENCED).order_by("evidence_at"),
        "to_pay": tranches.filter(state=Tranche.States.VERIFIED).order_by("due_on"),
        "due": tranches.filter(state=Tranche.States.PLANNED).order_by("due_on"),
        "investees": scoped.filter(state=States.INVEST).order_by("startup_name"),
    }


def current_kpis(application: Application) -> QuerySet[KpiReport]:
    return application.kpis.filter(replaced_at__isnull=True)


def kpi_history(application: Application) -> QuerySet[KpiReport]:
    return application.kpis.all()


def agenda(meeting: Meeting) -> QuerySet[Application]:
    return meeting.applications.prefetch_related("declarations", "scores")


def investees() -> QuerySet[Application]:
    return Application.objects.filter(state=States.INVEST).prefetch_related(
        "tranches", "valuations", "distributions", "decision"
    )
