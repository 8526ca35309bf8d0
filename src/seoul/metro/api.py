"""JSON API of the metro service (mounted at /api/v1/metro/)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.security import django_auth

from seoul.core import audit
from seoul.core.access import TokenRoleAuth
from seoul.core.roles import Role, Service
from seoul.metro import actions, selectors
from seoul.metro.engine import data
from seoul.metro.engine.fares import Category, FareError, Payment
from seoul.metro.engine.network import UnknownStation
from seoul.metro.events import MetroEvent

router = Router(tags=["metro"])


class FareQuery(Schema):
    origin: str = Field(min_length=1, max_length=40)
    destination: str = Field(min_length=1, max_length=40)
    card: Category = Category.ADULT
    payment: Payment = Payment.CARD
    at: datetime | None = None
    line: list[str] = Field(default_factory=list, max_length=5, description="separately charged lines used, e.g. SBD")


class FareOut(Schema):
    fare: int
    distance_km: float
    base: int
    distance_surcharge: int
    breakdown: dict[str, Any]


def _error(field: str, msg: str, where: str = "query", **extra: Any) -> HttpError:
    err = HttpError(422, msg)
    err.field = field  # type: ignore[attr-defined]
    err.loc = [where, field]  # type: ignore[attr-defined]
    err.extra = extra  # type: ignore[attr-defined]
    return err


@router.get("/fare", response=FareOut, auth=None, summary="Fare of a subway journey")
def fare(request: HttpRequest, q: Query[FareQuery]) -> FareOut:
    at = q.at or timezone.now()
    if at.tzinfo is None:
        at = at.replace(tzinfo=data.tariffs_timezone())
    try:
        b = data.subway_fare(
            q.origin, q.destination, category=q.card.value, payment=q.payment.value, at=at, lines=frozenset(q.line)
        )
    except UnknownStation as exc:
        field = "origin" if exc.name == q.origin.strip() else "destination"
        raise _error(field, f"{field}: {exc}", suggestions=exc.suggestions) from exc
    except FareError as exc:
        raise _error("at" if "in force" in str(exc) else "destination", str(exc)) from exc
    d = b.as_dict()
    return FareOut(
        fare=b.fare, distance_km=b.distance_km, base=b.base, distance_surcharge=b.distance_surcharge, breakdown=d
    )


gate_controller = TokenRoleAuth(Service.METRO, Role.OPERATOR)


class EventBatch(Schema):
    # Items are validated one by one in actions.ingest_events so that one bad item is
    # reported with its index and field while the good ones are kept.
    events: list[dict[str, Any]] = Field(min_length=1, max_length=actions.MAX_BATCH)


class IngestOut(Schema):
    accepted: int
    duplicates: int
    rejected: list[dict[str, Any]]


@router.post("/gate-events", response=IngestOut, auth=gate_controller, summary="Gate events from gate controllers")
def ingest(request: HttpRequest, batch: EventBatch) -> IngestOut:
    try:
        result = actions.ingest_events(request.auth, batch.events)  # type: ignore[attr-defined]
    except ValidationError as exc:
        raise _error("events", "; ".join(exc.messages), where="body") from exc
    return IngestOut(accepted=result.accepted, duplicates=result.duplicates, rejected=result.rejected)


class WindowBatch(Schema):
    # Each window is validated in actions.ingest_windows (per-item errors, good ones kept).
    windows: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=actions.MAX_WINDOWS,
        description="per phone: window_id, gate, rider, started_at (ISO, the time of t0), t0, t, beacon, rssi, "
        "optional uwb_t, uwb_anchor, uwb_range, and passages: the lane sensor's [{lane, at}] "
        "(docs/metro-tagless.md)",
    )


class WindowsOut(Schema):
    charged: int
    merged: int
    refused: int
    duplicates: int
    outcomes: list[dict[str, Any]]
    rejected: list[dict[str, Any]]


@router.post(
    "/tagless-windows",
    response=WindowsOut,
    auth=gate_controller,
    summary="Tagless beacon readings from gate controllers",
)
def ingest_windows(request: HttpRequest, batch: WindowBatch) -> WindowsOut:
    try:
        result = actions.ingest_windows(request.auth, batch.windows)  # type: ignore[attr-defined]
    except ValidationError as exc:
        raise _error("windows", "; ".join(exc.messages), where="body") from exc
    return WindowsOut(
        charged=result.charged,
        merged=result.merged,
        refused=result.refused,
        duplicates=result.duplicates,
        outcomes=result.outcomes,
        rejected=result.rejected,
    )


# --- the signed-in rider's own data (session auth; the rider is always request.user's own) ---


class JourneyOut(Schema):
    key: str
    status: str
    started_at: datetime
    entry_station: str | None
    entry_at: datetime | None
    exit_station: str | None
    exit_at: datetime | None
    fare: int
    charge: int
    breakdown: dict[str, Any]
    open_dispute: bool


class MyJourneysOut(Schema):
    balance: int
    journeys: list[JourneyOut]


class PassOut(Schema):
    product: str
    month: str
    price: int
    bought_at: datetime


class MyPassesOut(Schema):
    passes: list[PassOut]


def _own_rider(request: HttpRequest) -> Any:
    """The signed-in person's rider profile (404 without one); audited like the journeys page."""
    rider = getattr(request.user, "rider", None)
    if rider is None:
        raise HttpError(404, _("This account has no metro rider profile."))
    audit.record(MetroEvent.RIDER_VIEWED, request=request, target=rider, reason="own account", service="metro")
    return rider


@router.get("/me/journeys", response=MyJourneysOut, auth=django_auth, summary="My journeys and charges")
def my_journeys(request: HttpRequest, limit: int = Query(100, ge=1, le=500)) -> MyJourneysOut:  # type: ignore[type-arg]
    rider = _own_rider(request)
    rows = [
        JourneyOut(
            key=j.key,
            status=j.status,
            started_at=j.started_at,
            entry_station=j.entry.gate.station if j.entry else None,
            entry_at=j.entry.at if j.entry else None,
            exit_station=j.exit.gate.station if j.exit else None,
            exit_at=j.exit.at if j.exit else None,
            fare=j.fare,
            charge=j.charge,
            breakdown=j.breakdown,
            open_dispute=j.has_open_dispute,
        )
        for j in selectors.rider_journeys(rider.pk)[:limit]
    ]
    return MyJourneysOut(balance=selectors.rider_balance(rider.account), journeys=rows)


@router.get("/me/passes", response=MyPassesOut, auth=django_auth, summary="My Climate Card passes")
def my_passes(request: HttpRequest) -> MyPassesOut:
    rider = _own_rider(request)
    return MyPassesOut(
        passes=[
            PassOut(product=p.product, month=f"{p.month:%Y-%m}", price=p.price, bought_at=p.bought_at)
            for p in selectors.rider_passes(rider.pk)
        ]
    )
