from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from seoul.core.forms import BoundedDateField, MultilineTextField, TextField
from seoul.core.models import Institution, User
from seoul.core.roles import Role, Service
from seoul.core.validation import PLANNING_HORIZON
from seoul.plan.models import ProjectStatus, Vision

MAX_KRW = 10**15  # 1,000조 won: far above any city budget, below BigInteger limits


class ProjectForm(forms.Form):
    # Choices are keyed by the stable codes (vision 1-5, institution codes), not database ids.
    vision = forms.ModelChoiceField(
        label=_("Vision"), queryset=Vision.objects.all(), empty_label=None, to_field_name="code"
    )
    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.all(), to_field_name="code"
    )
    name_ko = TextField(label=_("Project name (Korean)"), max_length=200)
    name_en = TextField(label=_("Project name (English)"), max_length=200, required=False)
    description = MultilineTextField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )
    budget_krw = forms.IntegerField(label=_("Budget (won)"), required=False, min_value=0, max_value=MAX_KRW)
    quantity = forms.IntegerField(label=_("Quantity"), required=False, min_value=0, max_value=10**9)
    unit = TextField(label=_("Unit"), max_length=20, required=False)
    deadline = BoundedDateField(label=_("Deadline"), required=False, dates=PLANNING_HORIZON)
    kpi_name = TextField(label=_("KPI name"), max_length=200, required=False)
    kpi_unit = TextField(label=_("KPI unit"), max_length=30, required=False)
    kpi_target = forms.DecimalField(label=_("KPI target"), required=False, max_digits=18, decimal_places=4)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not user.has_role(Service.PLAN, Role.ADMIN):
            # Operators register projects for their own institution only.
            field = self.fields["institution"]
            field.queryset = Institution.objects.filter(staff__pk=user.pk)  # type: ignore[attr-defined]
            field.initial = user.institution.code if user.institution else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name, unit = data.get("kpi_name"), data.get("kpi_unit")
        if name and not unit:
            self.add_error("kpi_unit", _("Give the unit of the KPI, for example percent or persons."))
        if (unit or data.get("kpi_target") is not None) and not name:
            self.add_error("kpi_name", _("Give the KPI a name, or leave its unit and target empty."))
        if data.get("quantity") is not None and not data.get("unit"):
            self.add_error("unit", _("Give the unit of the quantity."))
        return data


class ProgressForm(forms.Form):
    reported_on = BoundedDateField(label=_("As of"))
    status = forms.ChoiceField(label=_("Status"), choices=ProjectStatus.choices)
    budget_executed_krw = forms.IntegerField(label=_("Budget executed so far (won)"), min_value=0, max_value=MAX_KRW)
    note = MultilineTextField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class KpiValueForm(forms.Form):
    kpi = forms.IntegerField(widget=forms.HiddenInput)
    value = forms.DecimalField(label=_("Value"), max_digits=18, decimal_places=4)
    measured_on = BoundedDateField(label=_("Measured on"))

    def clean_value(self) -> Decimal:
        value: Decimal = self.cleaned_data["value"]
        if not value.is_finite():
            raise forms.ValidationError(_("Enter a number."))
        return value


class MilestoneForm(forms.Form):
    title = TextField(label=_("Milestone"), max_length=200)
    due = BoundedDateField(label=_("Due"), dates=PLANNING_HORIZON)
