"""JSON API of the metro service (mounted at /api/v1/metro/)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.security import APIKeyHeader, HttpBearer, django_auth
from pydantic import AfterValidator

from seoul.core import audit
from seoul.core.access import TokenRoleAuth
from seoul.core.http import ApiRequest
from seoul.core.roles import Role, Service
from seoul.core.schemas import errors
from seoul.metro import actions, selectors
from seoul.metro.actions import money
from seoul.metro.adapters import gateway
from seoul.metro.engine import data
from seoul.metro.engine.fares import Category, FareError, Payment
from seoul.metro.engine.network import UnknownStation
from seoul.metro.errors import MetroError
from seoul.metro.events import MetroEvent
from seoul.metro.models import Rider, SensorDevice
from seoul.metro.schemas import (
    EventBatch,
    IngestOut,
    LineCode,
    ReadingBatch,
    ReadingsOut,
    Rejected,
    StationName,
    WindowBatch,
    WindowOutcome,
    WindowsOut,
    fare_time,
)

router = Router(tags=["metro"])


class FareQuery(Schema):
    origin: StationName = Field(description="station name: Korean or English, e.g. 서울역 or Seoul Station")
    destination: StationName = Field(description="station name: Korean or English")
    card: Category = Category.ADULT
    payment: Payment = Payment.CARD
    at: Annotated[datetime, AfterValidator(fare_time)] | None = Field(
        None, description="boarding time (Seoul time when no offset), from the first tariff to a year ahead"
    )
    line: list[LineCode] = Field(
        default_factory=list, max_length=5, description="separately charged lines used, e.g. SBD"
    )


class FareOut(Schema):
    fare: int
    distance_km: float
    base: int
    distance_surcharge: int
    rules: list[str] = Field(description="the fare rules that applied, e.g. early_bird, same_station")
    breakdown: dict[str, Any]


def _error(field: str, msg: str, where: str = "query", **extra: Any) -> HttpError:
    err = HttpError(422, msg)
    err.field = field  # type: ignore[attr-defined]
    err.loc = [where, field]  # type: ignore[attr-defined]
    err.extra = extra  # type: ignore[attr-defined]
    return err


@router.get("/fare", response={200: FareOut, **errors(422)}, auth=None, summary="Fare of a subway journey")
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
        fare=b.fare,
        distance_km=b.distance_km,
        base=b.base,
        distance_surcharge=b.distance_surcharge,
        rules=list(b.rules),
        breakdown=d,
    )


gate_controller = TokenRoleAuth(Service.METRO, Role.OPERATOR)


@router.post(
    "/gate-events",
    response={200: IngestOut, **errors(401, 403, 422)},
    auth=gate_controller,
    summary="Gate events from gate controllers",
    description="Each item is checked on its own (its shape by `kind`: entry/exit, bus, flagged): the good "
    "items are stored and each bad one is reported once in `rejected` (index, event id, field, reason, code). "
    "422 only when the body is not a batch (not a list of 1 to 5,000 items).",
)
def ingest(request: ApiRequest, batch: EventBatch) -> IngestOut:
    result = actions.ingest_events(batch.events, actor=request.auth)
    rejected = [Rejected(**r) for r in result.rejected]
    return IngestOut(accepted=result.accepted, duplicates=result.duplicates, rejected=rejected)


@router.post(
    "/tagless-windows",
    response={200: WindowsOut, **errors(401, 403, 422)},
    auth=gate_controller,
    summary="Tagless beacon readings from gate controllers",
    description="Each window is checked on its own: good windows are decided by the tagless detector (a "
    "passage, a merge with an earlier window, or a refusal sent to fallback) and each bad one is reported once "
    "in `rejected`. 422 only when the body is not a batch (not a list of 1 to 100 windows).",
)
def ingest_windows(request: ApiRequest, batch: WindowBatch) -> WindowsOut:
    result = actions.ingest_windows(batch.windows, actor=request.auth)
    return WindowsOut(
        charged=result.charged,
        merged=result.merged,
        refused=result.refused,
        duplicates=result.duplicates,
        outcomes=[WindowOutcome(**o) for o in result.outcomes],
        rejected=[Rejected(**r) for r in result.rejected],
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


def _own_rider(request: ApiRequest) -> Rider:
    """The signed-in person's own rider profile (404 without one); audited like the journeys page."""
    rider = Rider.objects.filter(user=request.auth).first()
    if rider is None:
        raise HttpError(404, MetroError.NO_RIDER.message())
    audit.record(MetroEvent.RIDER_VIEWED, request=request, target=rider, reason="own account", service="metro")
    return rider


@router.get(
    "/me/journeys",
    response={200: MyJourneysOut, **errors(401, 404, 422)},
    auth=django_auth,
    summary="My journeys and charges",
)
def my_journeys(request: ApiRequest, limit: int = Query(100, ge=1, le=500)) -> MyJourneysOut:  # type: ignore[type-arg]
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


@router.get(
    "/me/passes", response={200: MyPassesOut, **errors(401, 404)}, auth=django_auth, summary="My Climate Card passes"
)
def my_passes(request: ApiRequest) -> MyPassesOut:
    rider = _own_rider(request)
    return MyPassesOut(
        passes=[
            PassOut(product=p.product, month=f"{p.month:%Y-%m}", price=p.price, bought_at=p.bought_at)
            for p in selectors.rider_passes(rider.pk)
        ]
    )


# --- the payment gateway's webhooks ------------------------------------------------------------


class GatewaySignature(APIKeyHeader):
    """The payment gateway signs each webhook over the raw body (``X-Gateway-Signature:
    t=<unix seconds>,v1=<64 hex digits>``, five minutes' tolerance); anything else is a 401."""

    param_name = "X-Gateway-Signature"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return "gateway" if key and gateway.verify_webhook(request.body, key) is not None else None


class GatewayPaymentIn(Schema):
    id: str = Field(max_length=100)
    status: str = Field("", max_length=40)
    amount: int = Field(0, ge=0, le=10_000_000)
    reference: str = Field("", max_length=255)
    decline_code: str = Field("", max_length=40)
    refund_id: str = Field("", max_length=100)
    refund_amount: int = Field(0, ge=0, le=10_000_000)


class GatewayEventIn(Schema):
    """One event of the payment gateway (docs/metro-payments.md "Webhooks"); unknown types are
    kept and ignored."""

    event_id: str = Field(min_length=1, max_length=100)
    type: str = Field(min_length=1, max_length=40)
    data: GatewayPaymentIn


class GatewayWebhookOut(Schema):
    outcome: str = Field(description="accepted, duplicate, ignored type, unknown payment")


@router.post(
    "/gateway/webhook",
    auth=GatewaySignature(),
    url_name="metro_gateway_webhook",
    response={200: GatewayWebhookOut, **errors(401, 409, 422)},
    summary="Payment gateway webhook: a payment captured or declined, a refund made",
    description="Signed by the gateway over the raw body. A repeated event id answers `duplicate` and "
    "changes nothing; the same id with another body is 409. Money is posted once per payment whether "
    "the webhook or the gateway's direct answer comes first.",
)
def gateway_webhook(request: HttpRequest, event: GatewayEventIn) -> Any:
    result = money.receive_webhook(request.body, request.headers.get("X-Gateway-Signature"))
    if not result.accepted:
        raise HttpError(409 if result.reason == "conflict" else 401, result.reason)
    return {"outcome": "duplicate" if result.duplicate else (result.reason or "accepted")}


# --- smart train: sensor readings from on-board and trackside devices -------------------------


class SensorDeviceToken(HttpBearer):
    """``Authorization: Bearer sd_...``: the token issued to one sensor device (only its hash is
    kept); a revoked device's token is a 401. The device may post only for its own sensors."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from seoul.core.actions import token_hash

        return SensorDevice.objects.filter(token_hash=token_hash(token), revoked_at=None).first()


@router.post(
    "/sensor-readings",
    response={200: ReadingsOut, **errors(401, 422)},
    auth=SensorDeviceToken(),
    summary="Train and track sensor readings from a sensor device",
    description="Each reading is checked on its own (the sensor is this device's, the value finite and within "
    "the sensor's physical range, the time within the last 7 days): the good ones are stored and scored by the "
    "sensor's anomaly detector and health checks, and each bad one is reported once in `rejected` (index, "
    "sensor, field, reason, code). Readings at or before the sensor's last accepted one count as `duplicates`. "
    "Alerts open maintenance work orders (or add to the open one of the same sensor and kind). "
    "422 only when the body is not a batch (not a list of 1 to 10,000 readings).",
)
def sensor_readings(request: HttpRequest, batch: ReadingBatch) -> ReadingsOut:
    device = request.auth  # type: ignore[attr-defined]
    result = actions.ingest_readings(batch.readings, device=device)
    return ReadingsOut(
        accepted=result.accepted,
        duplicates=result.duplicates,
        rejected=[Rejected(**r) for r in result.rejected],
        alerts=result.alerts,
        work_orders=result.orders,
    )


# --- per-car congestion of the next trains (docs/metro-congestion.md) --------------------------


class CongestionQuery(Schema):
    station: StationName = Field(description="the platform's station: Korean or English, e.g. 군자 or Gunja")
    direction: str = Field(
        min_length=1,
        max_length=40,
        description="where the trains go: a station ahead or the end of the line (성수, toward 성수, 성수 방면), "
        "상행/하행, 내선/외선, up/down/inner/outer",
    )
    line: LineCode | None = Field(None, description="the line (1-8), when the station has several")
    at: Annotated[datetime, AfterValidator(fare_time)] | None = Field(
        None, description="when (Seoul time when no offset); default now"
    )
    trains: int = Field(3, ge=1, le=6, description="how many next trains")


class CarOut(Schema):
    car: int = Field(description="car number from the front of the train in its direction of travel")
    percent: float = Field(description="forecast congestion: 100 = 160 riders in the car")
    level: str = Field(description="relaxed (≤ 80), normal (< 130), caution (< 150) or crowded")
    low: float = Field(description="the 80 % band's lower edge")
    high: float = Field(description="the 80 % band's upper edge")


class TrainOut(Schema):
    leaves_at: datetime
    minutes_away: float
    percent: float
    level: str
    cars: list[CarOut]


class SummarySlotOut(Schema):
    slot: str = Field(description="the half-hour's start, 05:30 … 24:00")
    percent: float | None = Field(description="Seoul Metro's published mean congestion; null if none")


class SummaryDirectionOut(Schema):
    toward: str
    slots: list[SummarySlotOut]


class CongestionOut(Schema):
    station: str
    station_en: str
    line: str
    toward: str
    at: datetime
    day_type: str
    source: str = Field(
        description="where the live loads come from: `measured` (today's departures from the departures feed) "
        "or `simulated` (no departures stored for the line today)"
    )
    published_percent: float | None = Field(description="the published mean for this half-hour (the seasonal baseline)")
    late_minutes: int | None = Field(
        None, description="measured loads only: how late the last stored departure is, when over 10 minutes"
    )
    trains: list[TrainOut]
    summary: list[SummaryDirectionOut] = Field(description="the station's published day, per direction")


@router.get(
    "/congestion",
    response={200: CongestionOut, **errors(422)},
    auth=None,
    summary="Per-car congestion of the next trains at a platform",
    description="The next trains leaving the station in the direction asked, each car's forecast congestion "
    "(100 % = 160 riders) with its level and an 80 % band, and the station's published profile for the day "
    "(both directions). Counts only: no personal data. The loads come from the departures measured today when "
    "the platform has stored any for the line, else from a simulated day (`source`).",
)
def congestion(request: HttpRequest, q: Query[CongestionQuery]) -> CongestionOut:
    from seoul.metro.engine.congestion.board import PlatformError

    at = q.at or timezone.now()
    if at.tzinfo is None:
        at = at.replace(tzinfo=data.tariffs_timezone())
    try:
        platform = selectors.find_platform(q.station, q.direction, q.line)
        found = selectors.congestion_board(platform, at, q.trains)
        summary = selectors.station_summary(platform, datetime.fromisoformat(found["service_day"]).date())
    except PlatformError as exc:
        raise _error(exc.field, f"{exc.field}: {exc}", suggestions=exc.suggestions) from exc
    except ValueError as exc:
        raise _error("at", f"at: {exc}") from exc
    return CongestionOut(
        station=platform.station,
        station_en=data.network().name_en(platform.station),
        line=platform.line,
        toward=platform.toward,
        at=at,
        day_type=found["day_type"],
        source=found["source"],
        published_percent=found["published_percent"],
        late_minutes=found.get("late_minutes"),
        trains=[TrainOut(**t) for t in found["trains"]],
        summary=[
            SummaryDirectionOut(
                toward=d["words"],
                slots=[SummarySlotOut(slot=r["slot"], percent=r["values"][d["row"]]) for r in summary["rows"]],
            )
            for d in summary["directions"]
        ],
    )
