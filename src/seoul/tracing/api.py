"""JSON API of contact tracing (mounted at /api/v1/tracing/). No personal data goes out:
indicators are counts; candidates come in from batch discovery jobs and wait for a tracer.

Payloads are checked by the schemas (text without control characters, finite bounded numbers,
times with an offset within the pandemic era), so the OpenAPI document states the real rules.
A batch of candidates is checked item by item: good items are kept, each bad one is reported
with its index, field and reason.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from django.utils import timezone
from ninja import Field, Router, Schema
from ninja import Path as PathParam
from ninja.errors import HttpError
from pydantic import AfterValidator, AwareDatetime, TypeAdapter
from pydantic import ValidationError as PydanticError

from seoul.core.access import RoleAuth, TokenRoleAuth
from seoul.core.http import ApiRequest
from seoul.core.roles import Role, Service
from seoul.core.schemas import Number, Text, errors
from seoul.core.validation import PANDEMIC_ERA
from seoul.tracing import actions, selectors

router = Router(tags=["tracing"])

MAX_SCORE = 1_000_000.0
MAX_OVERLAP_MINUTES = 60 * 24 * 30
MAX_CANDIDATES = 1000


class RatioOut(Schema):
    numerator: int = Field(ge=0)
    denominator: int = Field(ge=0)
    share: float | None = Field(ge=0, le=1, description="numerator / denominator; null when nothing is counted")


class BacklogOut(Schema):
    tracer: str = Field(description="the tracer's account name")
    district: str = Field(description="the tracer's district (Korean name)")
    cases: int = Field(ge=0)
    contacts: int = Field(ge=0)
    due_today: int = Field(ge=0)
    flagged: int = Field(ge=0)


class IndicatorsOut(Schema):
    day: str = Field(description="today in Seoul, YYYY-MM-DD")
    followed_up_today: RatioOut
    cases_from_contact_list: RatioOut
    traced_within_24h: RatioOut
    followed_full_period: RatioOut = Field(description="contacts closed in 7 days: monitoring completed")
    lost_to_follow_up: RatioOut = Field(description="contacts closed in 7 days: lost to follow-up")
    first_call_hours: float | None = Field(
        default=None, description="median hours from a case's registration to its contacts' first reach (7 days)"
    )
    first_call_contacts: int = Field(default=0, description="contacts the median is over")
    backlog: list[BacklogOut]


def _ratio(r: selectors.Ratio) -> RatioOut:
    return RatioOut(numerator=r.numerator, denominator=r.denominator, share=r.share)


@router.get(
    "/indicators",
    response={200: IndicatorsOut, **errors(401, 403)},
    auth=RoleAuth(Service.TRACING, Role.APPROVER),
    summary="WHO contact-tracing indicators over the caller's district (all for tracing admins)",
)
def indicators(request: ApiRequest) -> IndicatorsOut:
    today = timezone.localdate()
    ind = selectors.indicators(request.auth, today, timezone.now())
    return IndicatorsOut(
        day=today.isoformat(),
        followed_up_today=_ratio(ind.followed_up_today),
        cases_from_contact_list=_ratio(ind.cases_from_contact_list),
        traced_within_24h=_ratio(ind.traced_within_24h),
        followed_full_period=_ratio(ind.followed_full_period),
        lost_to_follow_up=_ratio(ind.lost_to_follow_up),
        first_call_hours=ind.first_call_hours,
        first_call_contacts=ind.first_call_n,
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


def _in_era(value: datetime) -> datetime:
    """An instant whose Seoul date lies from 2020-01-01 to today (the calendar's edges, where
    converting between offsets overflows, are refused as out of range)."""
    try:
        as_utc = value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError(f"must be from {PANDEMIC_ERA.earliest.isoformat()} to today (Seoul time)") from None
    if not PANDEMIC_ERA.contains(timezone.localdate(as_utc)):
        raise ValueError(f"must be from {PANDEMIC_ERA.earliest.isoformat()} to today (Seoul time)")
    return as_utc


Moment = Annotated[
    AwareDatetime,
    AfterValidator(_in_era),
    Field(description="ISO 8601 with a UTC offset, from 2020-01-01 to now (Seoul time)"),
]


class CandidateIn(Schema):
    person_id: Text(max_length=64, min_length=1) = Field(description="the movement data's pseudonymous id")  # type: ignore[valid-type]
    score: Number(ge=0, le=MAX_SCORE)  # type: ignore[valid-type]
    reasons: list[Text(max_length=500)] = Field(default_factory=list, max_length=20)  # type: ignore[valid-type]
    overlap_minutes: Number(ge=0, le=MAX_OVERLAP_MINUTES)  # type: ignore[valid-type]
    first_contact: Moment
    places: list[Text(max_length=200)] = Field(default_factory=list, max_length=20)  # type: ignore[valid-type]


_ITEM = TypeAdapter(CandidateIn)
ITEM_RULES = (
    "Each item is a candidate: `person_id` (the movement data's id, 1-64 characters), `score` "
    f"(0 to {MAX_SCORE:,.0f}), `reasons` (up to 20 texts of up to 500 characters), `overlap_minutes` "
    f"(0 to {MAX_OVERLAP_MINUTES:,}), `first_contact` (ISO 8601 with a UTC offset, from 2020-01-01 to now), "
    "`places` (up to 20 texts of up to 200 characters); text without control characters, numbers "
    "finite. Items are checked one by one: good ones are stored, each bad one is listed in "
    "`refused` with its index, field and reason."
)


class CandidatesIn(Schema):
    candidates: list[dict[str, Any]] = Field(max_length=MAX_CANDIDATES, description=ITEM_RULES)


CaseId = Annotated[int, PathParam(ge=1, le=2**63 - 1, description="the case's number (C-12: 12)")]


class RefusedItem(Schema):
    index: int = Field(ge=0, description="the item's position in `candidates`, first = 0")
    field: str = Field(description="the item's field at fault (empty: the item as a whole)")
    reason: str


class CandidatesOut(Schema):
    new: int = Field(ge=0)
    refreshed: int = Field(ge=0)
    already_decided: int = Field(ge=0)
    refused: list[RefusedItem] = Field(description="items not stored, with why; the others were kept")


def _checked(items: list[dict[str, Any]]) -> tuple[list[CandidateIn], list[RefusedItem]]:
    good: list[CandidateIn] = []
    refused: list[RefusedItem] = []
    for index, item in enumerate(items):
        try:
            good.append(_ITEM.validate_python(item))
        except PydanticError as exc:
            for problem in exc.errors(include_url=False, include_input=False):
                where = ".".join(str(part) for part in problem["loc"])
                refused.append(RefusedItem(index=index, field=where, reason=problem["msg"]))
    return good, refused


@router.post(
    "/cases/{case_id}/candidates",
    response={200: CandidatesOut, **errors(401, 403, 404, 422)},
    auth=TokenRoleAuth(Service.TRACING, Role.OPERATOR),
    summary="Candidates found by a batch discovery job, to wait for a tracer's decision",
    description=f"{ITEM_RULES} 404 when the token's account may not see the case.",
)
def post_candidates(request: ApiRequest, case_id: CaseId, body: CandidatesIn) -> CandidatesOut:
    case = selectors.cases_for(request.auth).filter(pk=case_id).first()
    if case is None:
        raise HttpError(404, "No such case among those this account may see.")
    good, refused = _checked(body.candidates)
    counts = (
        actions.store_candidates(case, good, actor=request.auth)
        if good
        else dict.fromkeys(("new", "refreshed", "already_decided"), 0)
    )
    return CandidatesOut(**counts, refused=refused)
