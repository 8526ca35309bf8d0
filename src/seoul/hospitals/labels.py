"""Words for the network's codes (bed kinds, professions, supplies), in the page's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

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
