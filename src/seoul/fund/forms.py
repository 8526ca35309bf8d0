"""The fund's forms: every free text through ``core.forms`` (no control characters), every date
and number bounded."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from seoul.core.forms import BoundedDateField, MultilineTextField, TextField
from seoul.core.validation import PLANNING_HORIZON
from seoul.fund import labels
from seoul.fund.actions.calls import CallTerms
from seoul.fund.actions.screening import CHECKS
from seoul.fund.engine.rules import rules
from seoul.fund.models import Application, CallState, Decision, Instrument, Screening

MONEY_MAX = 10**13
TEAM_ROWS = 4


def _money(label: Any, *, required: bool = True, help_text: Any = "", lo: int = 0) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=lo,
        max_value=MONEY_MAX,
        required=required,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def _count(label: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=10**9)


class ApplyForm(forms.Form):
    """One page in parts (fieldsets): the start-up, the ask, the team, the traction, the deck."""

    startup_name = TextField(label=_("Start-up's name"), max_length=100)
    brn = TextField(label=_("Business registration number"), max_length=14, help_text=_("10 digits, e.g. 123-45-67890"))
    sector = forms.ChoiceField(label=_("Sector"), widget=forms.RadioSelect)
    stage = forms.ChoiceField(label=_("Stage"), widget=forms.RadioSelect)
    instrument = forms.ChoiceField(
        label=_("How you would like the fund to invest"), widget=forms.RadioSelect, choices=Instrument.choices
    )
    amount = _money(_("Amount asked (won)"), lo=1, help_text=_("Within the ticket limits shown above"))
    summary = MultilineTextField(label=_("What the start-up does and what the money is for"), max_length=2000)
    revenue_12m = _money(_("Revenue in the last 12 months (won)"))
    employees = _count(_("Employees"))
    users = _count(_("Users or customers"))
    follow_on = _money(_("Investment raised from others so far (won)"))
    deck = forms.FileField(
        label=_("Pitch deck (PDF, up to 20 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    confirm = forms.BooleanField(
        label=_("What I wrote is true, and the fund may keep this application as its privacy notice says"),
        error_messages={"required": _("Tick the box to send your application.")},
    )

    def __init__(self, *args: Any, call: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = [(c, labels.sector(c)) for c in call.sectors]  # type: ignore[attr-defined]
        self.fields["stage"].choices = [(c, labels.stage(c)) for c in call.stages]  # type: ignore[attr-defined]
        self.fields["instrument"].choices = [  # type: ignore[attr-defined]
            (c, label) for c, label in Instrument.choices if c in call.instruments
        ]
        for i in range(1, TEAM_ROWS + 1):
            self.fields[f"team_{i}_name"] = TextField(
                label=_("Team member %(n)s: name") % {"n": i}, max_length=60, required=i == 1
            )
            self.fields[f"team_{i}_role"] = TextField(
                label=_("Team member %(n)s: role") % {"n": i}, max_length=60, required=i == 1
            )

    def team(self) -> list[tuple[str, str]]:
        d = self.cleaned_data
        return [(d.get(f"team_{i}_name") or "", d.get(f"team_{i}_role") or "") for i in range(1, TEAM_ROWS + 1)]

    def part(self, names: list[str]) -> list[forms.BoundField]:
        return [self[n] for n in names]


class ScreeningForm(forms.Form):
    outcome = forms.ChoiceField(label=_("What next"), widget=forms.RadioSelect, choices=Screening.Outcomes.choices)
    meeting = forms.ModelChoiceField(  # type: ignore[var-annotated]
        label=_("Committee meeting (when taking it to the committee)"),
        queryset=None,
        required=False,
        empty_label=_("Choose a meeting"),
    )
    reason = TextField(label=_("Reason (when not taking it forward)"), max_length=300, required=False)
    note = MultilineTextField(label=_("Screening note"), max_length=2000, required=False)

    def __init__(self, *args: Any, meetings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code in CHECKS:
            self.fields[f"check_{code}"] = forms.BooleanField(label=labels.screening_check(code), required=False)
        self.fields["meeting"].queryset = meetings  # type: ignore[attr-defined]
        order = [f"check_{c}" for c in CHECKS] + ["outcome", "meeting", "reason", "note"]
        self.order_fields(order)

    def checks(self) -> dict[str, bool]:
        return {c: bool(self.cleaned_data.get(f"check_{c}")) for c in CHECKS}


class MeetingForm(forms.Form):
    title = TextField(label=_("Title"), max_length=120)
    held_on = BoundedDateField(label=_("Date of the meeting"), dates=PLANNING_HORIZON)
    present = forms.ModelMultipleChoiceField(  # type: ignore[var-annotated]
        label=_("Members present"), queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = members  # type: ignore[attr-defined]
        self.fields["present"].label_from_instance = lambda u: u.display_name or u.username  # type: ignore[attr-defined]


class DeclareForm(forms.Form):
    conflicted = forms.TypedChoiceField(
        label=_("Do you have a conflict of interest in this start-up?"),
        choices=[("no", _("No conflict of interest")), ("yes", _("Yes, I have a conflict of interest"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    reason = TextField(
        label=_("What the conflict is (if any)"),
        max_length=300,
        required=False,
        help_text=_("For example: you advise the start-up, hold shares in it, or are related to a founder."),
    )


class ScoreForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fund = rules()
        for c in fund.criteria:
            self.fields[f"points_{c.code}"] = forms.DecimalField(
                label=labels.criterion(c.code),
                min_value=0,
                max_value=fund.score_scale,
                decimal_places=1,
                help_text=_("0 to %(scale)s points; weight %(weight)s of 100")
                % {"scale": fund.score_scale, "weight": c.weight},
            )

    def points(self) -> dict[str, float]:
        return {k.removeprefix("points_"): float(v) for k, v in self.cleaned_data.items() if v is not None}


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=Decision.Outcomes.choices)
    instrument = forms.ChoiceField(label=_("Instrument"), choices=[("", "—"), *Instrument.choices], required=False)
    amount = _money(_("Amount (won)"), required=False, lo=1)
    equity_percent = forms.DecimalField(
        label=_("Equity share (%)"), required=False, min_value=0, max_value=100, decimal_places=2
    )
    valuation_cap = _money(_("Valuation cap (won)"), required=False, lo=1)
    discount_percent = forms.DecimalField(
        label=_("Conversion discount (%)"), required=False, min_value=0, max_value=100, decimal_places=2
    )
    interest_rate = forms.DecimalField(
        label=_("Interest rate (% a year)"), required=False, min_value=0, max_value=100, decimal_places=2
    )
    term_months = forms.IntegerField(label=_("Term (months)"), required=False, min_value=1, max_value=240)
    reason = MultilineTextField(label=_("Reasons of the committee"), max_length=2000, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, rules().tranches_max + 1):
            self.fields[f"tranche_{i}_amount"] = _money(
                _("Tranche %(n)s: amount (won)") % {"n": i}, required=False, lo=1
            )
            self.fields[f"tranche_{i}_milestone"] = TextField(
                label=_("Tranche %(n)s: milestone") % {"n": i}, max_length=300, required=False
            )
            self.fields[f"tranche_{i}_due_on"] = BoundedDateField(
                label=_("Tranche %(n)s: due date") % {"n": i}, dates=PLANNING_HORIZON, required=False
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _tranche_clean(self)
        return data

    def tranche_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"tranche_{i}_amount"], self[f"tranche_{i}_milestone"], self[f"tranche_{i}_due_on"]]
            for i in range(1, rules().tranches_max + 1)
        ]

    def terms_fields(self) -> list[forms.BoundField]:
        names = [
            "instrument",
            "amount",
            "equity_percent",
            "valuation_cap",
            "discount_percent",
            "interest_rate",
            "term_months",
        ]
        return [self[n] for n in names]

    def planned(self) -> list[tuple[int, str, date]]:
        d = self.cleaned_data
        out = []
        for i in range(1, rules().tranches_max + 1):
            amount, milestone, due = (
                d.get(f"tranche_{i}_amount"),
                d.get(f"tranche_{i}_milestone"),
                d.get(f"tranche_{i}_due_on"),
            )
            if amount and milestone and due:
                out.append((int(amount), str(milestone), due))
        return out


class EvidenceForm(forms.Form):
    evidence = MultilineTextField(
        label=_("Evidence that the milestone is reached"),
        max_length=3000,
        help_text=_("What was achieved and where fund staff can check it (contracts, links, figures)."),
    )
    evidence_file = forms.FileField(
        label=_("The document, if you have it (PDF, up to 20 MB)"),
        required=False,
        help_text=_("A contract, an approval or a report that shows the milestone. Fund staff read it when verifying."),
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


class VerifyForm(forms.Form):
    accepted = forms.TypedChoiceField(
        label=_("Is the milestone reached?"),
        choices=[("yes", _("Yes, verified")), ("no", _("No, send it back to the start-up"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = TextField(label=_("Note (why, when sending it back)"), max_length=300, required=False)
    evidence_file = forms.FileField(
        label=_("Evidence file (PDF, up to 20 MB)"),
        required=False,
        help_text=_(
            "When verifying, attach the document that shows the milestone (a contract, an approval) if the start-up "
            "did not; it takes the place of one the start-up attached."
        ),
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


class PayForm(forms.Form):
    paid_on = BoundedDateField(label=_("Paid on"))


class KpiForm(forms.Form):
    quarter = forms.ChoiceField(label=_("Quarter"))
    revenue = _money(_("Revenue in the quarter (won)"))
    employees = _count(_("Employees at the end of the quarter"))
    follow_on = _money(_("Investment raised from others in the quarter (won)"))
    note = TextField(label=_("Note (e.g. what a correction changes)"), max_length=300, required=False)

    def __init__(self, *args: Any, quarters: list[tuple[int, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = [  # type: ignore[attr-defined]
            (f"{y}-{q}", _("%(year)s, quarter %(q)s") % {"year": y, "q": q}) for y, q in quarters
        ]

    def year_quarter(self) -> tuple[int, int]:
        y, q = str(self.cleaned_data["quarter"]).split("-")
        return int(y), int(q)


class ValuationForm(forms.Form):
    on = BoundedDateField(label=_("Valued on"))
    value = _money(_("Value of the fund's stake (won)"))
    note = TextField(label=_("Basis (e.g. the latest funding round)"), max_length=300, required=False)


class DistributionForm(forms.Form):
    on = BoundedDateField(label=_("Received on"))
    amount = _money(_("Amount received (won)"), lo=1)
    note = TextField(label=_("What it is (dividend, repayment, sale)"), max_length=300, required=False)


def _stage_choice(code: str, years: int) -> str:
    return ngettext(
        "%(stage)s (up to %(years)s year in business)", "%(stage)s (up to %(years)s years in business)", years
    ) % {"stage": labels.stage(code), "years": years}


class CallForm(forms.Form):
    """A call for proposals, new (with its code) or changed (the code stays)."""

    code = TextField(
        label=_("Call code"),
        max_length=40,
        help_text=_("The call's address: lower-case letters, digits and hyphens, e.g. 2027-green. It cannot change."),
    )
    title_ko = TextField(label=_("Title in Korean"), max_length=120)
    title_en = TextField(label=_("Title in English"), max_length=120)
    sectors = forms.MultipleChoiceField(label=_("Sectors"), widget=forms.CheckboxSelectMultiple)
    stages = forms.MultipleChoiceField(label=_("Stages of the start-ups"), widget=forms.CheckboxSelectMultiple)
    instruments = forms.MultipleChoiceField(
        label=_("Instruments offered"), widget=forms.CheckboxSelectMultiple, choices=Instrument.choices
    )
    budget = _money(
        _("Budget of the call (won)"),
        help_text=_("At most what the chosen sectors have left to commit (the table above)."),
    )
    opens_on = BoundedDateField(label=_("Opens on"), dates=PLANNING_HORIZON)
    closes_on = BoundedDateField(label=_("Closes on"), dates=PLANNING_HORIZON, help_text=_("The last day to apply."))
    summary_ko = MultilineTextField(label=_("Description in Korean"), max_length=2000, required=False)
    summary_en = MultilineTextField(label=_("Description in English"), max_length=2000, required=False)

    def __init__(self, *args: Any, with_code: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fund = rules()
        self.fields["sectors"].choices = [(s.code, labels.sector(s.code)) for s in fund.sectors]  # type: ignore[attr-defined]
        self.fields["stages"].choices = [  # type: ignore[attr-defined]
            (s.code, _stage_choice(s.code, s.max_years)) for s in fund.stages
        ]
        if not with_code:
            del self.fields["code"]

    def terms(self) -> CallTerms:
        d = self.cleaned_data
        return CallTerms(
            title_ko=d["title_ko"],
            title_en=d["title_en"],
            summary_ko=d.get("summary_ko") or "",
            summary_en=d.get("summary_en") or "",
            sectors=list(d["sectors"]),
            stages=list(d["stages"]),
            instruments=list(d["instruments"]),
            opens_on=d["opens_on"],
            closes_on=d["closes_on"],
            budget=int(d["budget"]),
        )


class CloseCallForm(forms.Form):
    reason = TextField(
        label=_("Why close it early"),
        max_length=300,
        help_text=_("Kept with the call and shown on its public page."),
    )


class CallFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Every state")), *CallState.choices],
    )


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(  # type: ignore[var-annotated]
        label=_("Staff member"),
        queryset=None,
        empty_label=_("Choose a person"),
        help_text=_("Staff of the fund's manager holding the fund's approver role who are not members now."),
    )
    seat = TextField(
        label=_("Seat on the committee"),
        max_length=60,
        help_text=_("As the committee's rules name it, e.g. chair, member, outside expert (accounting)."),
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates  # type: ignore[attr-defined]
        self.fields["user"].label_from_instance = lambda u: (  # type: ignore[attr-defined]
            f"{u.display_name} ({u.username})" if u.display_name else u.username
        )


class WorklistFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("", _("Every state")),
            (Application.States.SUBMITTED, Application.States.SUBMITTED.label),
            (Application.States.SCREENING, Application.States.SCREENING.label),
        ],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("applied", _("Applied first")), ("amount", _("Largest ask")), ("name", _("Name"))],
    )


def _tranche_clean(form: DecideForm) -> None:
    d = form.cleaned_data
    for i in range(1, rules().tranches_max + 1):
        parts = [d.get(f"tranche_{i}_amount"), d.get(f"tranche_{i}_milestone"), d.get(f"tranche_{i}_due_on")]
        if any(parts):
            for name, value in zip(("amount", "milestone", "due_on"), parts, strict=True):
                if not value:
                    form.add_error(f"tranche_{i}_{name}", _("Fill in each part of a tranche you give."))
