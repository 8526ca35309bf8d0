"""Forms of the hospital network. The daily report's field names are the CSV's columns
(``engine.tabular``), so a refusal from the engine lands on the field it concerns."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from seoul.core.forms import BoundedDateField
from seoul.core.validation import today
from seoul.hospitals.engine import tabular
from seoul.hospitals.engine.report import BED_KINDS, FORECAST_DAYS, Profession, Supply
from seoul.hospitals.labels import BED_LABELS, KIND_LABELS, KIND_SHORT, PROFESSION_LABELS, SUPPLY_LABELS


def _fill(template: Any, **params: Any) -> str:
    return str(template) % {k: str(v) for k, v in params.items()}


format_lazy = lazy(_fill, str)


def _count(label: Any, required: bool = False) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=tabular.MAX_COUNT, required=required)


class DailyReportForm(forms.Form):
    """One hospital's report for one day (the hospital comes from the page)."""

    day = BoundedDateField(label=_("Day"), initial=today)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in BED_KINDS:
            for f in tabular.BED_FIELDS:
                self.fields[f"{kind}_{f}"] = _count(format_lazy(BED_LABELS[f], kind=KIND_SHORT[kind]))
        for name, label in (
            ("admissions", _("Admissions today")),
            ("discharges", _("Discharges today")),
            ("deaths", _("Deaths today")),
        ):
            self.fields[name] = _count(label)
        for p in Profession:
            self.fields[f"staff_{p}_on_duty"] = _count(format_lazy(_("%(who)s: on duty"), who=PROFESSION_LABELS[p]))
            self.fields[f"staff_{p}_short"] = _count(format_lazy(_("%(who)s: short"), who=PROFESSION_LABELS[p]))
        for s in Supply:
            self.fields[f"supply_{s}_on_hand"] = _count(format_lazy(_("%(what)s: on hand"), what=SUPPLY_LABELS[s]))
            self.fields[f"supply_{s}_days"] = forms.FloatField(
                label=format_lazy(_("%(what)s: days of supply"), what=SUPPLY_LABELS[s]),
                min_value=0,
                max_value=tabular.MAX_DAYS_OF_SUPPLY,
                required=False,
            )
        for i in range(1, FORECAST_DAYS + 1):
            self.fields[f"forecast_{i}"] = _count(format_lazy(_("Available beds on day +%(n)s"), n=i))

    def bed_groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(KIND_LABELS[k], [self[f"{k}_{f}"] for f in tabular.BED_FIELDS]) for k in BED_KINDS]

    def staff_rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [(PROFESSION_LABELS[p], self[f"staff_{p}_on_duty"], self[f"staff_{p}_short"]) for p in Profession]

    def supply_rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [(SUPPLY_LABELS[s], self[f"supply_{s}_on_hand"], self[f"supply_{s}_days"]) for s in Supply]

    def forecast_fields(self) -> list[forms.BoundField]:
        return [self[f"forecast_{i}"] for i in range(1, FORECAST_DAYS + 1)]

    def row(self) -> dict[str, str]:
        """The cleaned form as a flat row of text cells (``engine.tabular``)."""
        out = {}
        for name, value in self.cleaned_data.items():
            if value is None:
                out[name] = ""
            elif name == "day":
                out[name] = value.isoformat()
            else:
                out[name] = f"{value:g}" if isinstance(value, float) else str(value)
        return out


class ReportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("One row per hospital and day; the first row names the columns. Up to 2 MB."),
    )
