"""JSON API of contact tracing (mounted at /api/v1/tracing/). No personal data goes out:
indicators are counts; candidates come in from batch discovery jobs and wait for a tracer."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from seoul.core.access import RoleAuth, TokenRoleAuth
from seoul.core.roles import Role, Service
from seoul.tracing import actions, selectors

router = Router(tags=["tracing"])


class RatioOut(Schema):
    numerator: int
    denominator: int
    share: float | None


class BacklogOut(Schema):
    tracer: str
    district: str
    cases: int
    contacts: int
    due_today: int
    flagged: int


class IndicatorsOut(Schema):
    day: str
    followed_up_today: RatioOut
    cases_from_contact_list: RatioOut
    traced_within_24h: RatioOut
    backlog: list[BacklogOut]


def _ratio(r: selectors.Ratio) -> RatioOut:
    return RatioOut(numerator=r.numerator, denominator=r.denominator, share=r.share)


@router.get(
    "/indicators",
    response=IndicatorsOut,
    auth=RoleAuth(Service.TRACING, Role.APPROVER),
    summary="WHO contact-tracing indicators over the caller's district (all for tracing admins)",
)
def indicators(request: HttpRequest) -> IndicatorsOut:
    today = timezone.localdate()
    ind = selectors.indicators(request.auth, today, timezone.now())  # type: ignore[attr-defined]
    return IndicatorsOut(
        day=today.isoformat(),
        followed_up_today=_ratio(ind.followed_up_today),
        cases_from_contact_list=_ratio(ind.cases_from_contact_list),
        traced_within_24h=_ratio(ind.traced_within_24h),
        backlog=[
            BacklogOut(
                tracer=r["tracer"].username,
                district=str(r["district"]),
                cases=r["cases"],
                contacts=r["contacts"],
                due_today=r["due_today"],
                flagged=r["flagged"],
            )
            for r in ind.backlog
        ],
    )


class CandidateIn(Schema):
    person_id: str = Field(min_length=1, max_length=64)
    score: float = Field(ge=0)
    reasons: list[str] = Field(default_factory=list, max_length=20)
    overlap_minutes: float = Field(ge=0, le=60 * 24 * 30)
    first_contact: datetime
    places: list[str] = Field(default_factory=list, max_length=20)


class CandidatesIn(Schema):
    candidates: list[CandidateIn] = Field(max_length=1000)


class CandidatesOut(Schema):
    new: int
    refreshed: int
    already_decided: int


@router.post(
    "/cases/{case_id}/candidates",
    response=CandidatesOut,
    auth=TokenRoleAuth(Service.TRACING, Role.OPERATOR),
    summary="Candidates found by a batch discovery job, to wait for a tracer's decision",
)
def post_candidates(request: HttpRequest, case_id: int, body: CandidatesIn) -> CandidatesOut:
    user = request.auth  # type: ignore[attr-defined]
    case = selectors.cases_for(user).filter(pk=case_id).first()
    if case is None:
        raise HttpError(404, "No such case among those this account may see.")
    for item in body.candidates:
        if item.first_contact.tzinfo is None:
            raise HttpError(422, "first_contact needs a time zone offset")
    try:
        counts = actions.store_candidates(user, case, body.candidates)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    except ValidationError as exc:
        raise HttpError(422, "; ".join(exc.messages)) from exc
    return CandidatesOut(**counts)
