"""Shapes of what gate controllers and the bus fare system send (django-ninja / pydantic).

The API documents these shapes in the OpenAPI document and validates each item of a batch on
its own: a bad item becomes a :class:`Checked` carrying its first error (field, reason, code)
instead of failing the request, so the good items of the batch are kept and every bad one is
reported once with its index. The request as a whole is refused (422) only when it is not a
batch at all (not a list, empty, or over the size limit).

Actions take the same :class:`Checked` items (``check_event`` / ``check_window`` turn a plain
mapping into one, for callers inside the platform), and only add what needs the database:
unknown gates and riders, lanes beyond a gate's own, replays with other content.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, TypeVar

from django.utils import timezone
from ninja import Schema
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    Field,
    Strict,
    TypeAdapter,
    ValidationInfo,
    WithJsonSchema,
    WrapValidator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from seoul.core.engine.time import SEOUL
from seoul.core.schemas import Number, Text
from seoul.core.validation import DateRange, today
from seoul.metro.engine import data
from seoul.metro.engine.tagless import DetectorConfig, GateArray

MAX_BATCH = 5000
MAX_WINDOWS = 100
MAX_READINGS = 18_000  # a 30 s window of a 6-lane array hears up to ~16,200 advertisements
MAX_SENSOR_PASSAGES = 50
MAX_LANE = 99
# Gate beacons (4 a lane) and the zone rows of the largest array (engine.tagless.GateArray).
MAX_BEACON = GateArray(lanes=MAX_LANE + 1).beacon_count - 1
MAX_BUS_METRES = 200_000
MAX_RIDE = timedelta(hours=5)
FUTURE_TOLERANCE = timedelta(minutes=5)
READING_SLACK = (2.0, DetectorConfig().window)  # readings may lie this many seconds before t0 / after t0
WINDOW_PREFIX = "tw:"
MAX_WINDOW_ID = 64 - len(WINDOW_PREFIX)

T = TypeVar("T")

# Fares can be looked up from the first tariff in force to a year ahead.
FARE_DATES = DateRange(data.first_tariff_day(), lambda: today() + timedelta(days=366))


def _now(info: ValidationInfo) -> datetime:
    """The receiving clock: the caller's ``now`` (tests, replays) or the wall clock."""
    context = info.context if isinstance(info.context, Mapping) else {}
    now = context.get("now")
    return now if isinstance(now, datetime) else timezone.now()


def _refuse(field: str, message: str) -> PydanticCustomError:
    """An item-level error that names the field it is about (a model check has no field of its own)."""
    return PydanticCustomError("value_error", message, {"field": field})


def _in_time(value: datetime, info: ValidationInfo) -> datetime:
    earliest = data.first_tariff_instant()
    if value < earliest:
        raise ValueError(f"before the first tariff ({earliest.date().isoformat()})")
    if value > _now(info) + FUTURE_TOLERANCE:
        raise ValueError("more than 5 minutes in the future")
    return value


def _time_schema() -> dict[str, Any]:
    return {
        "type": "string",
        "format": "date-time",
        "description": f"ISO 8601 with a time zone offset, from {data.first_tariff_day().isoformat()} "
        "(the first tariff) to 5 minutes ahead of the receiving clock",
    }


EventTime = Annotated[AwareDatetime, AfterValidator(_in_time), WithJsonSchema(_time_schema())]


def fare_time(value: datetime) -> datetime:
    """A boarding time a fare can be looked up for: from the first tariff to a year ahead."""
    allowed = f"from {FARE_DATES.earliest.isoformat()} to {FARE_DATES.latest().isoformat()}"
    try:
        day = value.astimezone(SEOUL).date() if value.tzinfo else value.date()
    except OverflowError:  # the edges of the calendar (0001-01-01T00:00+09:00) have no Seoul date
        raise ValueError(allowed) from None
    if not FARE_DATES.contains(day):
        raise ValueError(allowed)
    return value


def _stripped(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("required")
    return value


def _Id(max_length: int, description: str) -> Any:
    return Annotated[
        Text(max_length=max_length, min_length=1), AfterValidator(_stripped), Field(description=description)
    ]


# Field types (for mypy plain str/float; for pydantic the rules, published in the OpenAPI document).
if TYPE_CHECKING:
    EventId = str
    GateCode = str
    RiderAccount = str
    WindowId = str
    Route = str
    ReasonCode = str
    StationName = str
    LineCode = str
    Rssi = float
    UwbRange = float
else:
    EventId = _Id(64, "unique per event; a replay with the same content is a harmless duplicate")
    GateCode = _Id(32, "the gate array's code, e.g. G-2-222")
    RiderAccount = _Id(64, "the rider account the phone or card presented")
    WindowId = _Id(MAX_WINDOW_ID, "unique per window; a replay with the same content is a harmless duplicate")
    Route = Text(max_length=20, min_length=1)
    ReasonCode = Text(max_length=40, min_length=1)
    StationName = Text(max_length=40, min_length=1)
    LineCode = Text(max_length=10, min_length=1)
    Rssi = Number(ge=-127, le=20)
    UwbRange = Number(ge=0, le=50)
Lane = Annotated[int, Strict(), Field(ge=0, le=MAX_LANE, description="lane number from 0")]


class PassageIn(Schema):
    """A rider entering or leaving through a gate (a tagless passage or a card tap)."""

    kind: Literal["entry", "exit"]
    event_id: EventId
    gate: GateCode
    rider: RiderAccount
    at: EventTime
    source: Literal["tagless", "card"] = "tagless"
    lane: Lane | None = None


class BusRideIn(Schema):
    """A bus ride reported by the bus fare system, for integrated transfers with the subway."""

    kind: Literal["bus"]
    event_id: EventId
    rider: RiderAccount
    mode: Literal["trunk", "circular", "village", "night"]
    route: Route
    at: EventTime = Field(description="boarding time")
    alight_at: EventTime
    distance_m: Annotated[int, Strict(), Field(ge=0, le=MAX_BUS_METRES, description="whole metres ridden")]

    @model_validator(mode="after")
    def _ride_length(self) -> BusRideIn:
        if not self.at <= self.alight_at <= self.at + MAX_RIDE:
            raise _refuse("alight_at", "must be after boarding and within 5 hours")
        return self


class FlaggedIn(Schema):
    """A passage the gate's detector refused to attribute to anyone (sent to fallback, never charged)."""

    kind: Literal["flagged"]
    event_id: EventId
    gate: GateCode
    at: EventTime
    lane: Lane | None = None
    reason: ReasonCode = Field(description="the detector's reason code")


GateEventIn = Annotated[PassageIn | BusRideIn | FlaggedIn, Field(discriminator="kind")]

Finite = Annotated[float, Field(allow_inf_nan=False)]


class SensorPassageIn(Schema):
    """One passage the lane's own sensor saw (its time on the controller's clock)."""

    lane: Lane
    at: EventTime
    direction: Literal["in", "out"] | None = Field(
        default=None, description="the way the sensor saw the passage go, when it reports one"
    )


class WindowIn(Schema):
    """One phone's window of beacon readings at one gate (docs/metro-tagless.md "Ingestion")."""

    window_id: WindowId
    gate: GateCode
    rider: RiderAccount
    started_at: EventTime = Field(description="the time of t0")
    t0: Annotated[float, Field(ge=-1e12, le=1e12, allow_inf_nan=False)] = Field(
        description="the window start on the phone's clock, in seconds"
    )
    t: list[Finite] = Field(max_length=MAX_READINGS, description="reading times on the phone's clock, in seconds")
    beacon: list[Annotated[int, Field(ge=0, le=MAX_BEACON)]] = Field(
        max_length=MAX_READINGS, description="gate beacons 0 .. 4·lanes−1, then the zone rows (docs/metro-tagless.md)"
    )
    rssi: list[Rssi] = Field(max_length=MAX_READINGS, description="dBm")
    uwb_t: list[Finite] = Field(default_factory=list, max_length=MAX_READINGS)
    uwb_anchor: list[Annotated[int, Field(ge=0, le=MAX_LANE + 1)]] = Field(
        default_factory=list, max_length=MAX_READINGS
    )
    uwb_range: list[UwbRange] = Field(default_factory=list, max_length=MAX_READINGS, description="metres")
    passages: list[SensorPassageIn] | None = Field(
        default=None, max_length=MAX_SENSOR_PASSAGES, description="the lane passage sensor's detections, if any"
    )

    @model_validator(mode="after")
    def _readings(self, info: ValidationInfo) -> WindowIn:
        if not len(self.t) == len(self.beacon) == len(self.rssi):
            raise _refuse("t", "t, beacon and rssi must have the same length")
        if not self.t:
            raise _refuse("t", "a window needs beacon readings")
        if not len(self.uwb_t) == len(self.uwb_anchor) == len(self.uwb_range):
            raise _refuse("uwb_t", "uwb_t, uwb_anchor and uwb_range must have the same length")
        lo, hi = self.t0 - READING_SLACK[0], self.t0 + READING_SLACK[1]
        for name, times in (("t", self.t), ("uwb_t", self.uwb_t)):
            if any(not lo <= x <= hi for x in times):
                raise _refuse(
                    name, f"values from {lo:g} to {hi:g} (t0 - {READING_SLACK[0]:g} s to t0 + {READING_SLACK[1]:g} s)"
                )
        last = max(self.t + self.uwb_t)
        if self.started_at + timedelta(seconds=last - self.t0) > _now(info) + FUTURE_TOLERANCE:
            raise _refuse("t", "readings more than 5 minutes in the future")
        return self


# --- one item at a time ------------------------------------------------------------------


@dataclass(frozen=True)
class Checked(Generic[T]):
    """One item of a batch: what was sent (``raw``) and either the valid ``item`` or why not."""

    raw: Any
    item: T | None
    field: str = ""
    reason: str = ""
    code: str = ""

    def key(self, name: str) -> str:
        """The item's id as sent (``event_id``/``window_id``), for the report; "" when there is none."""
        value = self.raw.get(name) if isinstance(self.raw, Mapping) else None
        return value.strip()[:100] if isinstance(value, str) else ""


def _first_error(exc: PydanticValidationError, tags: frozenset[str]) -> tuple[str, str, str]:
    """(field, reason, code) of the first thing wrong with an item."""
    err = exc.errors(include_url=False)[0]
    ctx = err.get("ctx") or {}
    message = err["msg"].removeprefix("Value error, ")
    loc = [str(part) for part in err["loc"]]
    if err["type"].startswith("union_tag"):
        field = "kind"
    elif "field" in ctx:
        field = str(ctx["field"])
    else:
        field = next((part for part in loc if part not in tags and not part.isdigit()), "item")
    return field, message, err["type"]


def _checking(tags: frozenset[str]) -> Callable[[Any, Any], Checked[Any]]:
    def check(value: Any, handler: Any) -> Checked[Any]:
        if isinstance(value, Checked):
            return value
        if not isinstance(value, Mapping):
            return Checked(raw=value, item=None, field="item", reason="must be an object", code="model_type")
        try:
            return Checked(raw=value, item=handler(value))
        except PydanticValidationError as exc:
            field, reason, code = _first_error(exc, tags)
            return Checked(raw=value, item=None, field=field, reason=reason, code=code)

    return check


_EVENT_TAGS = frozenset({"entry", "exit", "bus", "flagged"})  # the first part of an error's loc: the kind

if TYPE_CHECKING:
    EventItem = Checked[PassageIn | BusRideIn | FlaggedIn]
    WindowItem = Checked[WindowIn]
else:
    EventItem = Annotated[GateEventIn, WrapValidator(_checking(_EVENT_TAGS))]
    WindowItem = Annotated[WindowIn, WrapValidator(_checking(frozenset()))]


class EventBatch(Schema):
    events: list[EventItem] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description="each item is checked on its own: a bad item is reported in `rejected` with its index "
        "while the good items are stored",
    )


class WindowBatch(Schema):
    windows: list[WindowItem] = Field(
        min_length=1,
        max_length=MAX_WINDOWS,
        description="each window is checked on its own: a bad window is reported in `rejected` with its index "
        "while the good ones are decided",
    )


@lru_cache(maxsize=1)
def _event_adapter() -> TypeAdapter[Any]:
    return TypeAdapter(EventItem)


@lru_cache(maxsize=1)
def _window_adapter() -> TypeAdapter[Any]:
    return TypeAdapter(WindowItem)


def check_event(raw: Any, *, now: datetime | None = None) -> EventItem:
    """One gate event as the API would check it (``now``: the receiving clock)."""
    checked: EventItem = _event_adapter().validate_python(raw, context={"now": now})
    return checked


def check_window(raw: Any, *, now: datetime | None = None) -> WindowItem:
    """One tagless window as the API would check it (``now``: the receiving clock)."""
    checked: WindowItem = _window_adapter().validate_python(raw, context={"now": now})
    return checked


class Rejected(Schema):
    """One bad item of a batch: where it was in the batch, its id as sent, and what is wrong."""

    index: int = Field(description="position of the item in the batch, from 0")
    event_id: str = Field("", description="the item's event id as sent (gate events)")
    window_id: str = Field("", description="the item's window id as sent (tagless windows)")
    sensor: str = Field("", description="the item's sensor as sent (sensor readings)")
    field: str = Field(description="the field that is wrong (kind, at, lane, ...)")
    reason: str = Field(description="why, in words")
    code: str = Field(description="a stable code: a pydantic error type or a metro.* code")


class IngestOut(Schema):
    accepted: int
    duplicates: int
    rejected: list[Rejected]


class WindowOutcome(Schema):
    index: int
    window_id: str
    outcome: Literal["charged", "merged", "refused", "duplicate"]
    event_id: str | None = None
    reason: str | None = None
    lane: int | None = None
    direction: str | None = None


class WindowsOut(Schema):
    charged: int
    merged: int
    refused: int
    duplicates: int
    outcomes: list[WindowOutcome]
    rejected: list[Rejected]


# --- smart-train sensor readings (actions/maintenance.py) --------------------------------------

MAX_SENSOR_BATCH = 10_000
READING_MAX_AGE = timedelta(days=7)


def _recent(value: datetime, info: ValidationInfo) -> datetime:
    now = _now(info)
    if value < now - READING_MAX_AGE:
        raise ValueError(f"more than {READING_MAX_AGE.days} days ago")
    if value > now + FUTURE_TOLERANCE:
        raise ValueError("more than 5 minutes in the future")
    return value


if TYPE_CHECKING:
    SensorCode = str
    ReadingTime = datetime
else:
    SensorCode = _Id(60, "the sensor's code, as configured for the sending device")
    ReadingTime = Annotated[
        AwareDatetime,
        AfterValidator(_recent),
        WithJsonSchema(
            {
                "type": "string",
                "format": "date-time",
                "description": "ISO 8601 with a time zone offset, within the last 7 days and at most 5 minutes "
                "ahead of the receiving clock",
            }
        ),
    ]


class ReadingIn(BaseModel):
    """One reading of one sensor (a plain pydantic model: ninja's Schema adds a root validator
    for reading Django objects that costs more than the rest of the checks of a reading)."""

    sensor: SensorCode
    at: ReadingTime
    value: float = Field(allow_inf_nan=False, description="in the sensor's unit, within its physical range")


if TYPE_CHECKING:
    ReadingItem = Checked[ReadingIn]
else:
    ReadingItem = Annotated[ReadingIn, WrapValidator(_checking(frozenset()))]


class ReadingBatch(Schema):
    readings: list[ReadingItem] = Field(
        min_length=1,
        max_length=MAX_SENSOR_BATCH,
        description="each reading is checked on its own: a bad one is reported in `rejected` with its index "
        "while the good ones are stored and scored",
    )


@lru_cache(maxsize=1)
def _reading_adapter() -> TypeAdapter[Any]:
    return TypeAdapter(ReadingItem)


def check_reading(raw: Any, *, now: datetime | None = None) -> ReadingItem:
    """One sensor reading as the API would check it (``now``: the receiving clock)."""
    checked: ReadingItem = _reading_adapter().validate_python(raw, context={"now": now})
    return checked


class ReadingsOut(Schema):
    accepted: int
    duplicates: int = Field(description="readings at or before the sensor's last accepted one: already received")
    rejected: list[Rejected]
    alerts: int = Field(description="alerts the accepted readings raised (anomalies, stuck or silent sensors)")
    work_orders: list[int] = Field(description="work orders opened or alerted again by this batch")
