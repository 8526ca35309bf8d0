from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from seoul.core.forms import BoundedDateField, MultilineTextField, TextField
from seoul.core.models import Institution, User
from seoul.core.roles import Role, Service
from seoul.core.validation import PANDEMIC_ERA, PLANNING_HORIZON
from seoul.plan import words
from seoul.plan.models import KPI_DECIMALS, KPI_DIGITS, MAX_KRW, MAX_QUANTITY, Kpi, Project, ProjectStatus, Vision


class VisionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Model) -> str:
        return words.vision_label(obj)


class InstitutionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Model) -> str:
        return words.name_of(obj)


class ProjectForm(forms.Form):
    # Choices are keyed by the stable codes (vision 1-5, institution codes), not database ids.
    vision = VisionChoiceField(label=_("Vision"), queryset=Vision.objects.all(), empty_label=None, to_field_name="code")
    institution = InstitutionChoiceField(
        label=_("Institution"), queryset=Institution.objects.all(), to_field_name="code"
    )
    name_ko = TextField(label=_("Project name (Korean)"), max_length=200)
    name_en = TextField(
        label=_("Project name (English)"), max_length=200, help_text=_("Shown on the English pages of this site.")
    )
    description = MultilineTextField(
        label=_("Description (Korean)"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )
    description_en = MultilineTextField(
        label=_("Description (English)"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )
    budget_krw = forms.IntegerField(label=_("Budget (won)"), required=False, min_value=0, max_value=MAX_KRW)
    quantity = forms.IntegerField(label=_("Quantity"), required=False, min_value=0, max_value=MAX_QUANTITY)
    unit = TextField(label=_("Unit"), max_length=20, required=False, help_text=_("For example: people, sites."))
    deadline = BoundedDateField(label=_("Deadline"), required=False, dates=PLANNING_HORIZON)
    kpi_name = TextField(label=_("KPI name"), max_length=200, required=False)
    kpi_unit = TextField(label=_("KPI unit"), max_length=30, required=False)
    kpi_target = forms.DecimalField(
        label=_("KPI target"), required=False, max_digits=KPI_DIGITS, decimal_places=KPI_DECIMALS
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not user.has_role(Service.PLAN, Role.ADMIN):
            # Operators register projects for their own institution only: no other is offered.
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
    reported_on = BoundedDateField(label=_("As of"), dates=PANDEMIC_ERA)
    status = forms.ChoiceField(label=_("Status"), choices=ProjectStatus.choices)
    budget_executed_krw = forms.IntegerField(label=_("Budget executed so far (won)"), min_value=0, max_value=MAX_KRW)
    note = MultilineTextField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class TypedSelect(forms.Select):
    """Options named as people typed them: a Korean name on an English page is marked
    ``lang="ko"`` (screen readers read it in Korean)."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(*args, **kwargs)
        if words.english() and words.HANGUL.search(str(option["label"])):
            option["attrs"] = {**option["attrs"], "lang": "ko"}
        return option


class KpiChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    widget = TypedSelect

    def label_from_instance(self, obj: Model) -> str:
        return str(getattr(obj, "name", obj))


class KpiValueForm(forms.Form):
    """A value of one of the project's own KPIs: the choice is limited to them, so a KPI of
    another project is "not one of the choices", whoever asks."""

    kpi = KpiChoiceField(label=_("KPI"), queryset=Kpi.objects.none(), empty_label=None)
    value = forms.DecimalField(label=_("Value"), max_digits=KPI_DIGITS, decimal_places=KPI_DECIMALS)
    measured_on = BoundedDateField(label=_("Measured on"), dates=PANDEMIC_ERA)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = project.kpis.all()  # type: ignore[attr-defined]


class MilestoneForm(forms.Form):
    title = TextField(label=_("Milestone"), max_length=200)
    due = BoundedDateField(label=_("Due"), dates=PLANNING_HORIZON)
