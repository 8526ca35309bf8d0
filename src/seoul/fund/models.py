"""Transactional state of the start-up policy fund (docs/fund.md).

A :class:`Call` for proposals is open between two days for some sectors. A start-up's
representative (a signed-in citizen) sends an :class:`Application` with its team, traction and
pitch deck (a PDF kept in the fund's file store, ``storage.py``); the business registration
number is encrypted at rest and found by blind index. Every change of state is kept as a
:class:`Transition` and audited: submitted → screening → committee | screened out → invest |
declined. Staff :class:`Screening` notes are kept, each one. A :class:`Meeting` of the investment
committee (its members: :class:`CommitteeMember`, the defined set the quorum counts) takes
applications; each member present declares a :class:`Declaration` per application (none, or
conflicted with a reason — then they do not score it) and gives a :class:`Score` per criterion.
A :class:`Decision` records the outcome, the terms, the quorum and the scores as they stood; an
investment is paid in :class:`Tranche` s against milestones the start-up evidences and staff
verify. The investee files :class:`KpiReport` s per quarter (a correction keeps the earlier
report); staff record :class:`Valuation` s and :class:`Distribution` s for TVPI and IRR.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from seoul.core.crypto import EncryptedTextField, blind_index
from seoul.core.roles import Role, Service

BRN_PURPOSE = "fund.brn"
#: the institution that manages the fund (``reference/fund.json``'s manager, 서울신용보증재단): its
#: staff sit on the investment committee
MANAGER_INSTITUTION = "SEOULSHINBO"


def _staff(user: Any, role: str = Role.OPERATOR) -> bool:
    return user is not None and user.is_authenticated and user.has_role(Service.FUND, role)


class Instrument(models.TextChoices):
    EQUITY = "equity", _("Equity investment")
    CONVERTIBLE = "convertible", _("Convertible note")
    LOAN = "loan", pgettext_lazy("fund", "Loan")  # 융자: the fund lends itself


def all_instruments() -> list[str]:
    """What a call offers unless staff chose fewer: every instrument."""
    return list(Instrument.values)


class CallState(models.TextChoices):
    """Where a call stands on a day (computed from its dates and an early closing, not stored)."""

    UPCOMING = "upcoming", _("Opens later")
    OPEN = "open", _("Taking applications")
    CLOSED = "closed", pgettext_lazy("call", "Closed")


class Call(models.Model):
    """A call for proposals. Staff change it only while nobody has applied; closing it early
    keeps the planned dates and records the day, who and why."""

    code = models.SlugField(max_length=40, unique=True)
    title_ko = models.CharField(max_length=120)
    title_en = models.CharField(max_length=120)
    summary_ko = models.TextField(blank=True)
    summary_en = models.TextField(blank=True)
    #: sector codes of ``reference/fund.json`` the call is for
    sectors = models.JSONField()
    #: stage codes it takes
    stages = models.JSONField()
    #: the instruments it offers (``Instrument`` values)
    instruments = models.JSONField(default=all_instruments)
    opens_on = models.DateField()
    closes_on = models.DateField()
    budget = models.BigIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    #: closed before ``closes_on`` by staff: the day, who and why
    closed_on = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-opens_on", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="fund_call_dates"),
            models.CheckConstraint(condition=Q(budget__gt=0), name="fund_call_budget_positive"),
        ]

    def __str__(self) -> str:
        return self.code

    def state_on(self, today: Any) -> str:
        """``upcoming``, ``open`` or ``closed`` on ``today``."""
        if self.closed_on is not None or today > self.closes_on:
            return CallState.CLOSED
        if today < self.opens_on:
            return CallState.UPCOMING
        return CallState.OPEN

    def is_open(self, today: Any) -> bool:
        return self.state_on(today) == CallState.OPEN


class CommitteeMember(models.Model):
    """A member of the investment committee (an approver of the fund service, on the staff of
    the fund's manager). A member who leaves is marked inactive, never deleted: past meetings,
    declarations and scores keep who sat."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="fund_member")
    #: the seat they hold (위원장, 외부 전문위원 …), in the words of the committee's rules
    seat = models.CharField(max_length=60, blank=True)
    active = models.BooleanField(default=True)
    since = models.DateField()
    until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return str(self.user)


class Meeting(models.Model):
    held_on = models.DateField()
    title = models.CharField(max_length=120)
    present: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="fund_meetings", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on})"

    def sat(self) -> set[int]:
        """Ids of the members who declared or scored on an application of this meeting: they stay on it."""
        declared = Declaration.objects.filter(application__meeting=self).values_list("member_id", flat=True)
        scored = Score.objects.filter(application__meeting=self).values_list("member_id", flat=True)
        return set(declared) | set(scored)


class ApplicationQuerySet(models.QuerySet["Application"]):
    def own(self, user: Any) -> ApplicationQuerySet:
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(applicant=user)

    def visible_to(self, user: Any) -> ApplicationQuerySet:
        """Fund staff and the committee see every application; others none (a start-up reads its
        own through :meth:`own`)."""
        return self if _staff(user) else self.none()


class Application(models.Model):
    class States(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        SCREENING = "screening", _("Being screened")
        COMMITTEE = "committee", _("With the investment committee")
        SCREENED_OUT = "screened_out", _("Not taken forward at screening")
        INVEST = "invest", _("Investment approved")
        DECLINED = "declined", _("Declined by the committee")

    reference = models.CharField(max_length=20, unique=True)
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="fund_applications"
    )
    startup_name = models.CharField(max_length=100)
    brn = EncryptedTextField()
    brn_index = models.CharField(max_length=64, db_index=True)
    sector = models.CharField(max_length=30)
    stage = models.CharField(max_length=20)
    amount = models.BigIntegerField()
    instrument = models.CharField(max_length=15, choices=Instrument.choices)
    summary = models.TextField()
    #: [{"name": ..., "role": ...}] — names and roles only, never an identity number
    team = models.JSONField()
    revenue_12m = models.BigIntegerField()
    employees = models.PositiveIntegerField()
    users = models.PositiveIntegerField()
    follow_on = models.BigIntegerField()
    deck_key = models.CharField(max_length=120, blank=True)
    deck_sha256 = models.CharField(max_length=64, blank=True)
    deck_size = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=15, choices=States.choices, default=States.SUBMITTED, db_index=True)
    state_changed_at = models.DateTimeField(auto_now_add=True)
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="applications")
    screened_out_reason = models.CharField(max_length=300, blank=True)
    applied_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-applied_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["call", "brn_index"], name="fund_one_application_per_call"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.brn_index = blind_index(self.brn, purpose=BRN_PURPOSE) if self.brn else ""
        super().save(*args, **kwargs)

    @property
    def is_investee(self) -> bool:
        return self.state == self.States.INVEST


class Transition(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=15, blank=True)
    to_state = models.CharField(max_length=15)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.application}: {self.from_state} → {self.to_state}"

    @property
    def state_label(self) -> str:
        return str(dict(Application.States.choices).get(self.to_state, self.to_state))


class Screening(models.Model):
    """One screening note by staff (each kept): the checks and where it sends the application."""

    class Outcomes(models.TextChoices):
        CONTINUE = "screening", _("Keep screening (a note only)")
        COMMITTEE = "committee", _("Take to the committee")
        SCREENED_OUT = "screened_out", _("Do not take forward")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="screenings")
    #: check code → passed
    checks = models.JSONField()
    note = models.TextField(blank=True)
    outcome = models.CharField(max_length=15, choices=Outcomes.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.application} {self.outcome}"


class Declaration(models.Model):
    """A committee member's declaration of interest in one application (made once; audited)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="declarations")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    conflicted = models.BooleanField()
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "at", "pk"]
        constraints = [models.UniqueConstraint(fields=["application", "member"], name="fund_one_declaration")]

    def __str__(self) -> str:
        return f"{self.member} on {self.application}: {'conflicted' if self.conflicted else 'none'}"


class Score(models.Model):
    """A member's points for one criterion of one application (given once; audited)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="scores")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    criterion = models.CharField(max_length=30)
    points = models.DecimalField(max_digits=5, decimal_places=1)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "member", "criterion"]
        constraints = [
            models.UniqueConstraint(fields=["application", "member", "criterion"], name="fund_one_score"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.criterion}={self.points}"


class Decision(models.Model):
    class Outcomes(models.TextChoices):
        INVEST = "invest", _("Invest")
        DECLINE = "decline", pgettext_lazy("fund", "Decline")  # 부결

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="decision")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=10, choices=Outcomes.choices)
    instrument = models.CharField(max_length=15, choices=Instrument.choices, blank=True)
    amount = models.BigIntegerField(default=0)
    equity_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    valuation_cap = models.BigIntegerField(null=True, blank=True)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    interest_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    term_months = models.PositiveIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True)
    #: the quorum and the tally as they stood (``engine.committee.Tally.to_dict``)
    tally = models.JSONField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.application}: {self.outcome}"


class Tranche(models.Model):
    class States(models.TextChoices):
        PLANNED = "planned", _("Waiting for the milestone")
        EVIDENCED = "evidenced", _("Evidence sent, to verify")
        VERIFIED = "verified", _("Milestone verified, to pay")
        PAID = "paid", pgettext_lazy("tranche", "Paid")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="tranches")
    number = models.PositiveSmallIntegerField()
    amount = models.BigIntegerField()
    milestone = models.CharField(max_length=300)
    due_on = models.DateField()
    state = models.CharField(max_length=10, choices=States.choices, default=States.PLANNED)
    evidence = models.TextField(blank=True)
    evidence_at = models.DateTimeField(null=True, blank=True)
    #: the evidence as a PDF, attached by staff when verifying (``storage.EVIDENCE``)
    evidence_key = models.CharField(max_length=120, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    evidence_size = models.PositiveIntegerField(default=0)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verify_note = models.CharField(max_length=300, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="fund_one_tranche_number"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_tranche_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.application} #{self.number}"


class KpiReport(models.Model):
    """A quarter's KPIs as the investee reported them. A correction adds a report and marks
    the earlier one replaced: one current report per quarter (a database constraint)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="kpis")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    revenue = models.BigIntegerField()
    employees = models.PositiveIntegerField()
    follow_on = models.BigIntegerField()
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application", "-year", "-quarter", "-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "year", "quarter"],
                condition=Q(replaced_at__isnull=True),
                name="fund_one_current_kpi",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.year}Q{self.quarter}"


class Valuation(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="valuations")
    on = models.DateField()
    #: the fund's stake's value in won
    value = models.BigIntegerField()
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.application} {self.on}: {self.value}"


class Distribution(models.Model):
    """Money back to the fund: dividends, repayments, exit proceeds."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="distributions")
    on = models.DateField()
    amount = models.BigIntegerField()
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.application} {self.on}: {self.amount}"
