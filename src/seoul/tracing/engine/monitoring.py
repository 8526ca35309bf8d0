"""Daily monitoring of contacts: the symptom list, an outbreak's alert rules, and how long a
contact has gone without reporting (docs/tracing-monitoring.md).

The symptoms are those of KDCA's case definition for COVID-19 (코로나바이러스감염증-19 대응지침:
fever of 37.5 °C or more, cough, shortness of breath, chills, muscle aches, headache, sore
throat, loss of taste or smell) plus the common ones Sara Alert's daily report also asks
about (fatigue, runny nose, diarrhoea). Which of them flag a contact for the tracer, from which
temperature, and after how many silent days a contact goes on the call list or is closed as
lost to follow-up, are an outbreak's own rules, kept as data (:class:`AlertRules`).

Pure: stdlib only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

SYMPTOMS: tuple[str, ...] = (
    "fever",
    "chills",
    "cough",
    "shortness_of_breath",
    "sore_throat",
    "loss_of_taste_or_smell",
    "muscle_aches",
    "headache",
    "fatigue",
    "runny_nose",
    "diarrhoea",
)
"""Symptom codes, in the order a report lists them."""

FEVER_AT_C = 37.5
"""KDCA's fever threshold (대응지침: 37.5 ℃ 이상)."""
TEMPERATURE_RANGE_C = (34.0, 42.5)
"""A body temperature outside this range is a typing or thermometer error, not a reading."""


class RulesError(ValueError):
    """Alert rules that cannot be used: ``field`` and the reason."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class AlertRules:
    """What flags a contact's daily report for their tracer, and when silence escalates.

    - ``fever_at_c``: a temperature at or above it is a fever (and counts as the symptom);
    - ``symptoms``: the symptoms that flag (others are recorded, not flagged);
    - ``other_flags``: whether a symptom described in words (not on the list) flags;
    - ``escalate_after_days``: full days without a report before the contact goes on the
      tracers' call list;
    - ``lost_after_days``: full days without a report before the nightly job closes the
      contact as lost to follow-up (0: never automatically).
    """

    fever_at_c: float = FEVER_AT_C
    symptoms: frozenset[str] = field(default_factory=lambda: frozenset(SYMPTOMS))
    other_flags: bool = True
    escalate_after_days: int = 2
    lost_after_days: int = 5

    def __post_init__(self) -> None:
        if not 36.0 <= self.fever_at_c <= 40.0:
            raise RulesError("fever_at_c", "between 36.0 and 40.0 °C")
        unknown = sorted(self.symptoms - set(SYMPTOMS))
        if unknown:
            raise RulesError("symptoms", f"unknown symptom {unknown[0]!r}")
        if not 1 <= self.escalate_after_days <= 14:
            raise RulesError("escalate_after_days", "between 1 and 14")
        if self.lost_after_days and not self.escalate_after_days < self.lost_after_days <= 30:
            raise RulesError("lost_after_days", "0 (never), or more than escalate_after_days and at most 30")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> AlertRules:
        """Rules stored as JSON; keys left out take the defaults (an empty mapping is KDCA's)."""
        data = dict(data or {})
        known = {"fever_at_c", "symptoms", "other_flags", "escalate_after_days", "lost_after_days"}
        extra = sorted(set(data) - known)
        if extra:
            raise RulesError(extra[0], "not a rule")
        kwargs: dict[str, Any] = {}
        if "fever_at_c" in data:
            value = data["fever_at_c"]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise RulesError("fever_at_c", "a number of °C")
            kwargs["fever_at_c"] = float(value)
        if "symptoms" in data:
            value = data["symptoms"]
            if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
                raise RulesError("symptoms", "a list of symptom codes")
            kwargs["symptoms"] = frozenset(value)
        if "other_flags" in data:
            if not isinstance(data["other_flags"], bool):
                raise RulesError("other_flags", "true or false")
            kwargs["other_flags"] = data["other_flags"]
        for name in ("escalate_after_days", "lost_after_days"):
            if name in data:
                value = data[name]
                if isinstance(value, bool) or not isinstance(value, int):
                    raise RulesError(name, "a whole number of days")
                kwargs[name] = value
        return cls(**kwargs)

    def to_mapping(self) -> dict[str, Any]:
        return {
            "fever_at_c": self.fever_at_c,
            "symptoms": [s for s in SYMPTOMS if s in self.symptoms],
            "other_flags": self.other_flags,
            "escalate_after_days": self.escalate_after_days,
            "lost_after_days": self.lost_after_days,
        }


@dataclass(frozen=True)
class Report:
    """One day's report, as recorded: symptom codes (a fever temperature adds ``fever``), the
    temperature if taken, other symptoms in words, and what the outbreak's rules flag in it."""

    symptoms: tuple[str, ...]
    temperature_c: float | None
    other: str
    alerts: tuple[str, ...]

    @property
    def has_symptoms(self) -> bool:
        return bool(self.symptoms or self.other)


def check_temperature(value: float | None) -> float | None:
    """A temperature in °C rounded to 0.1, or :class:`RulesError` outside the plausible range."""
    if value is None:
        return None
    low, high = TEMPERATURE_RANGE_C
    if not low <= value <= high:
        raise RulesError("temperature", f"between {low} and {high} °C")
    return round(float(value), 1)


def assess(rules: AlertRules, symptoms: Iterable[str], temperature_c: float | None, other: str = "") -> Report:
    """The report of ``symptoms`` (codes), ``temperature_c`` and ``other`` (words) under
    ``rules``. Alerts are the flagged symptom codes in list order, with ``other`` when the words
    flag; a fever by temperature is the symptom ``fever``."""
    codes = set(symptoms)
    unknown = sorted(codes - set(SYMPTOMS))
    if unknown:
        raise RulesError("symptoms", f"unknown symptom {unknown[0]!r}")
    temperature = check_temperature(temperature_c)
    if temperature is not None and temperature >= rules.fever_at_c:
        codes.add("fever")
    ordered = tuple(s for s in SYMPTOMS if s in codes)
    other = other.strip()
    alerts = [s for s in ordered if s in rules.symptoms]
    if other and rules.other_flags:
        alerts.append("other")
    return Report(symptoms=ordered, temperature_c=temperature, other=other, alerts=tuple(alerts))


def silent_days(monitoring_start: date, last_report: date | None, today: date) -> int:
    """Full days (before ``today``) since the last report, or since monitoring began when there
    was none. Monitoring days are those after ``monitoring_start`` (the last exposure), so a
    contact exposed yesterday has missed nothing yet."""
    since = monitoring_start if last_report is None else max(last_report, monitoring_start)
    return max(0, (today - since).days - 1)
