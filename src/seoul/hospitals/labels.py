"""Words for the network's codes (bed kinds, professions, supplies), in the page's language."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from seoul.hospitals.engine.network import Need
from seoul.hospitals.engine.report import BedKind, Profession, Supply

KIND_LABELS = {
    BedKind.CRITICAL: _("Critical: ICU with invasive ventilation or ECMO"),
    BedKind.SEVERE: _("Severe"),
    BedKind.MODERATE: _("Moderate"),
    BedKind.MILD: _("Mild: community treatment centre places"),
    BedKind.ISOLATION: _("Negative-pressure isolation rooms"),
}
KIND_SHORT = {
    BedKind.CRITICAL: _("Critical"),
    BedKind.SEVERE: _("Severe"),
    BedKind.MODERATE: _("Moderate"),
    BedKind.MILD: _("Mild"),
    BedKind.ISOLATION: _("Isolation rooms"),
}
# the same tiers inside a sentence ("a severe bed"), where English does not capitalise them
KIND_IN_SENTENCE = {
    BedKind.CRITICAL: pgettext_lazy("bed tier inside a sentence", "critical"),
    BedKind.SEVERE: pgettext_lazy("bed tier inside a sentence", "severe"),
    BedKind.MODERATE: pgettext_lazy("bed tier inside a sentence", "moderate"),
    BedKind.MILD: pgettext_lazy("bed tier inside a sentence", "mild"),
    BedKind.ISOLATION: pgettext_lazy("bed tier inside a sentence", "isolation"),
}
BED_LABELS = {
    "total": _("%(kind)s: beds"),
    "occupied": _("%(kind)s: occupied"),
    "staffed": _("%(kind)s: staffed"),
    "available": _("%(kind)s: available now"),
}
PROFESSION_LABELS = {
    Profession.PHYSICIAN: _("Physicians"),
    Profession.NURSE: _("Nurses"),
    Profession.NURSING_ASSISTANT: _("Nursing assistants"),
    Profession.RESPIRATORY_THERAPIST: _("Respiratory therapists"),
    Profession.OTHER: _("Other staff"),
}
SUPPLY_LABELS = {
    Supply.N95: _("KF94/N95 respirators"),
    Supply.GOWNS: _("Isolation gowns"),
    Supply.GLOVES: _("Gloves"),
    Supply.OXYGEN: _("Medical oxygen"),
    Supply.REMDESIVIR: _("Remdesivir"),
}
NEED_LABELS = {
    Need.DIALYSIS: _("Dialysis"),
    Need.PREGNANCY: _("Pregnancy"),
    Need.CHILD: _("Paediatric care"),
    Need.PSYCHIATRIC: _("Psychiatric care"),
}


# The flat form's reasons (engine/tabular.py writes them in English, Django-free) in the
# reader's language: (pattern of the engine's words, the words people read).
_REASONS: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"^is required$"), _("This is required.")),
    (re.compile(r"^'(?P<value>.*)' is not a whole number$"), _("%(value)s is not a whole number.")),
    (re.compile(r"^'(?P<value>.*)' is not a number$"), _("%(value)s is not a number.")),
    (re.compile(r"^must be from (?P<lo>\S+) to (?P<hi>\S+)$"), _("Enter a number from %(lo)s to %(hi)s.")),
    (re.compile(r"^'(?P<value>.*)' is not a date like 2020-12-01$"), _("%(value)s is not a date like 2020-12-01.")),
    (re.compile(r"^report at least one kind of bed$"), _("Report at least one kind of bed.")),
    (re.compile(r"^give both the stock and its days of supply$"), _("Give both the stock and its days of supply.")),
    (re.compile(r"^unknown column$"), _("not a column of the daily report")),
    (re.compile(r"^column missing from the header$"), _("missing from the first row")),
    (re.compile(r"^a column is named twice$"), _("a column is named twice")),
    (re.compile(r"^more cells than columns$"), _("more cells than columns")),
]


def reason_words(text: str) -> str:
    """What a reason of the flat form says, in the page's language (its own words if unknown)."""
    for pattern, words in _REASONS:
        found = pattern.match(text)
        if found:
            return str(words) % found.groupdict() if found.groupdict() else str(words)
    return text


MOVEMENT_LABELS = {
    "admissions": _("Admissions today"),
    "discharges": _("Discharges today"),
    "deaths": _("Deaths today"),
}
STAFF_FIELD_LABELS = {"on_duty": _("%(who)s: on duty"), "short": _("%(who)s: short")}
SUPPLY_FIELD_LABELS = {"on_hand": _("%(what)s: on hand"), "days": _("%(what)s: days of supply")}
FORECAST_LABEL = _("Available beds on day +%(n)s")
OTHER_LABELS = {
    "hospital": _("Hospital"),
    "day": _("Day"),
    "beds": _("Beds"),
    "forecast": _("Expected available beds, next 7 days"),
    "row": _("Row"),
}


def field_label(field: str) -> str:
    """The words for a field of the daily report (a CSV column, or an engine field such as
    "critical.occupied"), as the web form labels it, in the page's language."""
    name = field.replace(".", "_")
    if name in OTHER_LABELS:
        return str(OTHER_LABELS[name])
    if name in MOVEMENT_LABELS:
        return str(MOVEMENT_LABELS[name])
    for kind in BedKind:
        for part, words in BED_LABELS.items():
            if name == f"{kind}_{part}":
                return str(words) % {"kind": KIND_SHORT[kind]}
    for p in Profession:
        for part, words in STAFF_FIELD_LABELS.items():
            if name == f"staff_{p}_{part}":
                return str(words) % {"who": PROFESSION_LABELS[p]}
    for k in Supply:
        for part, words in SUPPLY_FIELD_LABELS.items():
            if name in (f"supply_{k}_{part}", f"supplies_{k}_{part}"):
                return str(words) % {"what": SUPPLY_LABELS[k]}
    if name.startswith("forecast_") and name.removeprefix("forecast_").isdigit():
        return str(FORECAST_LABEL) % {"n": name.removeprefix("forecast_")}
    return field
