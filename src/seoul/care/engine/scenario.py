"""The scenario contract of the airborne risk engine: a JSON object → engine inputs → result.

A scenario (every hour is local time in [0, 24]; an interval ``[start, end]`` is open at the
start and closed at the end, as in CAiMIRA)::

    {
      "room": {"volume_m3": 150, "inside_temp_k": 293.15, "humidity": 0.4},
      "location": {"lat": 37.57, "lon": 126.98},
      "month": 1,
      "ventilation": [
        {"type": "window_sliding", "height_m": 1.2, "opening_m": 0.1, "count": 2,
         "schedule": [[10, 10.25], [12, 12.25]]},
        {"type": "window_hinged", "height_m": 0.6, "opening_m": 0.2, "width_m": 1.0, "count": 1,
         "schedule": "always"},
        {"type": "hepa", "flow_m3h": 300, "schedule": "always"},
        {"type": "mechanical", "flow_m3h": 200, "schedule": [[9, 18]]},
        {"type": "ach", "ach": 0.25, "schedule": "always"}
      ],
      "infected": {"count": 1, "virus": "Omicron", "activity": "Light activity",
                   "expiration": {"Breathing": 0.7, "Speaking": 0.3}, "mask": "none",
                   "presence": [[9, 12], [13, 17]], "viral_load": 1e9},
      "exposed": {"count": 16, "activity": "Light activity", "mask": "none",
                  "presence": [[9, 12], [13, 17]]},
      "samples": 100000, "seed": 42
    }

* ``room.inside_temp_k`` (default 293 K) and ``room.humidity`` (a fraction, default 0.5) are
  optional; ``volume_m3`` is required.
* ``month`` (1–12) picks Seoul's outdoor temperatures (:mod:`.climate`); it is required when
  there is a window. ``location`` is optional: temperatures are always Seoul's, and a location
  outside Seoul is accepted with a warning in the result saying so.
* ``ventilation`` may be empty. Windows need ``height_m``, ``opening_m`` (and ``width_m`` when
  hinged); ``count`` defaults to 1; a hinged window's opening cannot exceed twice its height.
  ``hepa`` and ``mechanical`` need ``flow_m3h`` (per unit; ``count`` units, default 1), ``ach``
  needs ``ach``; ``schedule`` defaults
  to ``"always"``. Nothing is added implicitly: CAiMIRA's calculator always adds 0.25 h⁻¹ of
  infiltration, give ``{"type": "ach", "ach": 0.25}`` for the same.
* ``infected.expiration`` maps ``Breathing``/``Speaking``/``Shouting`` to weights (shares of
  time, any positive scale); a single name is accepted too. ``viral_load`` (RNA copies/mL)
  replaces the viral load distribution with that value. ``infected.count`` and
  ``exposed.count`` are at least 1.
* ``samples`` (1 … 2,000,000, default 100,000) and ``seed`` (a non-negative integer; when absent
  one is drawn and returned in the result so the run can be repeated).
* Masks are drawn as CAiMIRA's calculator draws them (``airborne.MASKS``).

Every problem is reported, each with the path of the field and the reason, in one
:class:`ScenarioError`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import airborne, climate, fields

VIRUS_NAMES = tuple(airborne.VIRUSES)
ACTIVITY_NAMES = tuple(airborne.ACTIVITIES)
MASK_NAMES = tuple(airborne.MASKS)
EXPIRATION_NAMES = ("Breathing", "Speaking", "Shouting")
VENTILATION_TYPES = ("window_sliding", "window_hinged", "hepa", "mechanical", "ach")
MAX_SAMPLES = 2_000_000
DEFAULT_SAMPLES = 100_000

_TOP_KEYS = {"room", "location", "month", "ventilation", "infected", "exposed", "samples", "seed"}
_ROOM_KEYS = {"volume_m3", "inside_temp_k", "humidity"}
_VENTILATION_KEYS = {
    "window_sliding": {"type", "height_m", "opening_m", "count", "schedule"},
    "window_hinged": {"type", "height_m", "opening_m", "width_m", "count", "schedule"},
    "hepa": {"type", "flow_m3h", "count", "schedule"},
    "mechanical": {"type", "flow_m3h", "count", "schedule"},
    "ach": {"type", "ach", "schedule"},
}
_INFECTED_KEYS = {"count", "virus", "activity", "expiration", "mask", "presence", "viral_load"}
_EXPOSED_KEYS = {"count", "activity", "mask", "presence"}


class ScenarioError(ValueError):
    """A scenario that cannot be run; ``errors`` lists every (field path, reason)."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = list(errors)
        super().__init__("invalid scenario: " + "; ".join(f"{path}: {reason}" for path, reason in self.errors))


@dataclass(frozen=True)
class ParsedScenario:
    model: airborne.ExposureModel
    samples: int
    seed: int
    month: int | None
    warnings: tuple[str, ...]


def _intervals(errors: fields.Errors, value: Any, path: str, *, allow_always: bool) -> airborne.Schedule | None:
    if allow_always and value == "always":
        return airborne.ALWAYS
    expected = 'a list of [start_hour, end_hour] or "always"' if allow_always else ""
    return fields.intervals(errors, value, path, expected=expected)


def _ventilation(
    errors: fields.Errors, value: Any, month: int | None, month_ok: bool
) -> list[airborne.Ventilation] | None:
    if not isinstance(value, list):
        errors.add("ventilation", "must be a list")
        return None
    means: list[airborne.Ventilation] = []
    ok = True
    month_reported = not month_ok  # an invalid month was reported already
    for i, item in enumerate(value):
        path = f"ventilation[{i}]"
        if not isinstance(item, Mapping):
            errors.add(path, "must be an object")
            ok = False
            continue
        kind = fields.choice(errors, item.get("type"), f"{path}.type", VENTILATION_TYPES)
        if kind is None:
            ok = False
            continue
        built = _ventilation_means(errors, item, path, kind, month)
        if kind.startswith("window") and month is None and not month_reported:
            errors.add("month", "is required when there is a window (it picks the outdoor temperatures)")
            month_reported = True
        if built is None:
            ok = False
        else:
            means.append(built)
    return means if ok else None


def _ventilation_means(
    errors: fields.Errors, item: Mapping[str, Any], path: str, kind: str, month: int | None
) -> airborne.Ventilation | None:
    required = {
        "window_sliding": ("height_m", "opening_m"),
        "window_hinged": ("height_m", "opening_m", "width_m"),
        "hepa": ("flow_m3h",),
        "mechanical": ("flow_m3h",),
        "ach": ("ach",),
    }[kind]
    before = len(errors.errors)
    fields.obj(errors, item, path, _VENTILATION_KEYS[kind], required)
    schedule = _intervals(errors, item.get("schedule", "always"), f"{path}.schedule", allow_always=True)
    count = (
        fields.integer(errors, item.get("count", 1), f"{path}.count", low=1)
        if "count" in _VENTILATION_KEYS[kind]
        else 1
    )
    values = {
        key: fields.number(errors, item[key], f"{path}.{key}", low=0.0, low_open=key != "ach")
        for key in required
        if key in item
    }
    if len(errors.errors) > before or schedule is None or count is None:
        return None
    if kind in ("hepa", "mechanical"):
        flow = values["flow_m3h"]
        if flow is None:
            return None
        cls = airborne.HEPAFilter if kind == "hepa" else airborne.MechanicalVentilation
        return cls(schedule, flow * count)
    if kind == "ach":
        ach = values["ach"]
        return None if ach is None else airborne.AirChange(schedule, ach)
    height, opening = values["height_m"], values["opening_m"]
    if height is None or opening is None or month is None:
        return None
    outside = climate.outdoor_temperature(month)
    if kind == "window_sliding":
        return airborne.SlidingWindow(schedule, outside, height, opening, count)
    width = values["width_m"]
    if width is None:
        return None
    if opening > 2.0 * height:
        errors.add(f"{path}.opening_m", "cannot exceed twice the window's height (a hinged sash opens by at most 180°)")
        return None
    return airborne.HingedWindow(schedule, outside, height, opening, width, count)


def _expiration(errors: fields.Errors, value: Any, path: str) -> airborne.Expiration | None:
    if isinstance(value, str):
        value = {value: 1.0} if value in EXPIRATION_NAMES else value
    if not isinstance(value, Mapping) or not value:
        errors.add(path, "must map " + ", ".join(EXPIRATION_NAMES) + " to weights")
        return None
    weights: dict[str, float] = {}
    for key, weight in value.items():
        name = fields.choice(errors, key, f"{path}.{key}", EXPIRATION_NAMES)
        w = fields.number(errors, weight, f"{path}.{key}", low=0.0)
        if name is not None and w is not None:
            weights[name] = w
    if len(weights) != len(value):
        return None
    if sum(weights.values()) <= 0:
        errors.add(path, "weights must add up to more than zero")
        return None
    return airborne.Expiration.from_weights(weights)


def parse_scenario(data: Any) -> ParsedScenario:
    """Validates ``data`` (the decoded JSON) and builds the engine's model; raises
    :class:`ScenarioError` listing every problem."""
    errors = fields.Errors()
    top = fields.obj(errors, data, "", _TOP_KEYS, ("room", "ventilation", "infected", "exposed"))
    if top is None:
        raise ScenarioError(errors.errors)
    warnings: list[str] = []

    room: airborne.Room | None = None
    room_data = fields.obj(errors, top.get("room", {}), "room", _ROOM_KEYS, ("volume_m3",)) if "room" in top else None
    if room_data is not None:
        volume = (
            fields.number(errors, room_data.get("volume_m3"), "room.volume_m3", low=0.0, low_open=True)
            if "volume_m3" in room_data
            else None
        )
        inside = fields.number(
            errors, room_data.get("inside_temp_k", 293.0), "room.inside_temp_k", low=253.15, high=323.15
        )
        humidity = fields.number(errors, room_data.get("humidity", 0.5), "room.humidity", low=0.0, high=1.0)
        if volume is not None and inside is not None and humidity is not None:
            room = airborne.Room(volume, inside, humidity)

    if "location" in top:
        location = fields.obj(errors, top["location"], "location", {"lat", "lon"}, ("lat", "lon"))
        if location is not None:
            lat = (
                fields.number(errors, location.get("lat"), "location.lat", low=-90.0, high=90.0)
                if "lat" in location
                else None
            )
            lon = (
                fields.number(errors, location.get("lon"), "location.lon", low=-180.0, high=180.0)
                if "lon" in location
                else None
            )
            if lat is not None and lon is not None and not climate.in_seoul(lat, lon):
                warnings.append(
                    f"location ({lat:g}, {lon:g}) is outside Seoul: the outdoor temperatures used are Seoul's (KMA station 108, 1991–2020 normals)"
                )

    month: int | None = None
    month_ok = True
    if "month" in top:
        month = fields.integer(errors, top["month"], "month", low=1, high=12)
        month_ok = month is not None

    ventilation = _ventilation(errors, top["ventilation"], month, month_ok) if "ventilation" in top else None

    infected: airborne.InfectedPopulation | None = None
    infected_data = (
        fields.obj(
            errors,
            top["infected"],
            "infected",
            _INFECTED_KEYS,
            ("count", "virus", "activity", "expiration", "mask", "presence"),
        )
        if "infected" in top
        else None
    )
    if infected_data is not None:
        d = infected_data
        count = fields.integer(errors, d["count"], "infected.count", low=1) if "count" in d else None
        virus = fields.choice(errors, d["virus"], "infected.virus", VIRUS_NAMES) if "virus" in d else None
        activity = (
            fields.choice(errors, d["activity"], "infected.activity", ACTIVITY_NAMES) if "activity" in d else None
        )
        expiration = _expiration(errors, d["expiration"], "infected.expiration") if "expiration" in d else None
        mask = fields.choice(errors, d["mask"], "infected.mask", MASK_NAMES) if "mask" in d else None
        presence = (
            _intervals(errors, d["presence"], "infected.presence", allow_always=False) if "presence" in d else None
        )
        viral_load = (
            fields.number(errors, d["viral_load"], "infected.viral_load", low=0.0, low_open=True)
            if "viral_load" in d
            else None
        )
        if (
            count is not None
            and virus is not None
            and activity is not None
            and expiration is not None
            and mask is not None
            and presence is not None
            and ("viral_load" not in d or viral_load is not None)
        ):
            infected = airborne.InfectedPopulation(
                count=count,
                presence=presence,
                virus=airborne.VIRUSES[virus],
                activity=airborne.ACTIVITIES[activity],
                expiration=expiration,
                mask=airborne.MASKS[mask],
                viral_load=viral_load,
            )

    exposed: airborne.ExposedPopulation | None = None
    exposed_data = (
        fields.obj(errors, top["exposed"], "exposed", _EXPOSED_KEYS, ("count", "activity", "mask", "presence"))
        if "exposed" in top
        else None
    )
    if exposed_data is not None:
        d = exposed_data
        count = fields.integer(errors, d["count"], "exposed.count", low=1) if "count" in d else None
        activity = fields.choice(errors, d["activity"], "exposed.activity", ACTIVITY_NAMES) if "activity" in d else None
        mask = fields.choice(errors, d["mask"], "exposed.mask", MASK_NAMES) if "mask" in d else None
        presence = (
            _intervals(errors, d["presence"], "exposed.presence", allow_always=False) if "presence" in d else None
        )
        if count is not None and activity is not None and mask is not None and presence is not None:
            exposed = airborne.ExposedPopulation(
                count=count,
                presence=presence,
                activity=airborne.ACTIVITIES[activity],
                mask=airborne.MASKS[mask],
            )

    samples = fields.integer(errors, top.get("samples", DEFAULT_SAMPLES), "samples", low=1, high=MAX_SAMPLES)
    seed = (
        fields.integer(errors, top["seed"], "seed", low=0, high=2**63 - 1)
        if "seed" in top and top["seed"] is not None
        else secrets.randbits(63)
    )

    if (
        errors.errors
        or room is None
        or ventilation is None
        or infected is None
        or exposed is None
        or samples is None
        or seed is None
    ):
        raise ScenarioError(errors.errors or [("", "invalid scenario")])
    model = airborne.ExposureModel(room=room, ventilation=tuple(ventilation), infected=infected, exposed=exposed)
    return ParsedScenario(model=model, samples=samples, seed=seed, month=month, warnings=tuple(warnings))


def risk(scenario: Any) -> dict[str, Any]:
    """Runs a scenario (the decoded JSON object) and returns the result:
    ``p_infection_percent`` (mean over samples of an exposed person's probability of infection,
    %), ``expected_cases`` (its mean times the exposed count), ``mean_dose`` (mean deposited dose,
    infectious virions), ``emission_rate`` (mean emission of one infected person when present,
    virions/h), their 5th/50th/95th percentiles over the samples, the mean air changes per hour
    over the exposed's presence, ``samples``, ``seed`` and ``warnings``. Raises
    :class:`ScenarioError` (a ``ValueError``) listing every invalid field."""
    parsed = parse_scenario(scenario)
    result: dict[str, Any] = dict(airborne.simulate(parsed.model, parsed.samples, parsed.seed).summary())
    result["samples"] = parsed.samples
    result["seed"] = parsed.seed
    result["warnings"] = list(parsed.warnings)
    return result
