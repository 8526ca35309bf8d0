"""What the fund's pages read, each through the reader's scope (404 outside it)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from seoul.core.roles import Role, Service
from seoul.fund.models import Application, Call, CommitteeMember, KpiReport, Meeting, Tranche

States = Application.States


def calls() -> QuerySet[Call]:
    return Call.objects.all()


def call(code: str) -> Call:
    return get_object_or_404(Call, code=code)


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
