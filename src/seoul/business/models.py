"""Transactional state of the business service (docs/business-lifecycle.md).

A :class:`BusinessProfile` is built with its representative's consent from what the guarantee
service knows (``seoul.guarantee.interfaces``): only the facts the programmes need (data
minimisation), the business registration number encrypted at rest and found by blind index.
Each build or refresh is kept as a :class:`ProfileObservation` (never overwritten): the outcome
measures read them. A :class:`Programme` is loaded from ``reference/programmes.json``. A
:class:`ProgrammeApplication` is one per business per programme (a database constraint), moving
applied → selected | not selected → completed | dropped (or withdrawn while applied); every
transition is kept as a :class:`Transition` and audited. Programme officers see the applicants of
the programmes they are assigned to (:class:`ProgrammeOfficer`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from seoul.business.engine.catalogue import Programme as CatalogueProgramme
from seoul.business.engine.facts import Facts
from seoul.core.crypto import EncryptedTextField, blind_index
from seoul.core.models import Institution
from seoul.core.roles import Role, Service

BRN_PURPOSE = "business.brn"


class Stage(models.TextChoices):
    STARTUP = "startup", _("Start-up")
    GROWTH = "growth", _("Growth")
    RESTART = "restart", _("Restart")


class ProgrammeQuerySet(models.QuerySet["Programme"]):
    def run_by(self, user: Any) -> ProgrammeQuerySet:
        """The programmes whose applicants ``user`` works on: every one for administrators of
        the business service, else those they are assigned to as an officer."""
        if user is None or not user.is_authenticated or not user.has_role(Service.BUSINESS, Role.OPERATOR):
            return self.none()
        if user.has_role(Service.BUSINESS, Role.ADMIN):
            return self
        return self.filter(officer_links__user=user)


class Programme(models.Model):
    """A programme of the catalogue (``seoul load-reference`` keeps it in step with the file)."""

    class Kind(models.TextChoices):
        ACADEMY = "academy", _("Start-up academy")
        CONSULTING = "consulting", _("Consulting")
        MARKETING = "marketing", _("Marketing")
        SMART_STORE = "smart_store", _("Smart-store onboarding")
        RENT = "rent", _("Rent support")
        RESTART_EDUCATION = "restart_education", _("Restart education")

    code = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    stage = models.CharField(max_length=10, choices=Stage.choices)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="business_programmes")
    name_ko = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)
    summary_ko = models.TextField()
    summary_en = models.TextField()
    seats = models.PositiveIntegerField()
    open = models.BooleanField(default=True)
    example = models.BooleanField(default=False)
    source = models.TextField(blank=True)
    #: The rules and criteria as the catalogue states them (``engine/catalogue.py``).
    definition = models.JSONField()
    selection_made_at = models.DateTimeField(null=True, blank=True)
    selection_made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    loaded_at = models.DateTimeField(auto_now=True)
    officers: models.ManyToManyField[Any, ProgrammeOfficer] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ProgrammeOfficer", through_fields=("programme", "user"), related_name="+"
    )

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["stage", "code"]

    def __str__(self) -> str:
        return self.code

    def entry(self) -> CatalogueProgramme:
        """The programme as the engine reads it."""
        d = self.definition
        return CatalogueProgramme(
            code=self.code,
            kind=self.kind,
            stage=self.stage,
            institution=d.get("institution", ""),
            name_ko=self.name_ko,
            name_en=self.name_en,
            summary_ko=self.summary_ko,
            summary_en=self.summary_en,
            seats=self.seats,
            open=self.open,
            example=self.example,
            source=self.source,
            eligibility=tuple(d.get("eligibility", [])),
            scoring=tuple(d.get("scoring", [])),
        )

    @property
    def taking_applications(self) -> bool:
        return self.open and self.selection_made_at is None


class ProgrammeOfficer(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="officer_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="business_programmes")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["programme", "user"], name="business_one_officer_row")]

    def __str__(self) -> str:
        return f"{self.user} → {self.programme}"


class BusinessProfileQuerySet(models.QuerySet["BusinessProfile"]):
    def own(self, user: Any) -> BusinessProfileQuerySet:
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(owner=user)


class BusinessProfile(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="business_profiles")
    brn = EncryptedTextField()
    brn_index = models.CharField(max_length=64, db_index=True)
    business_name = models.CharField(max_length=100)
    consent_at = models.DateTimeField()
    consent_text = models.TextField()
    #: The facts the programmes need (``engine.facts.Facts.to_dict``), as of ``refreshed_at``.
    facts = models.JSONField()
    industry_name_ko = models.CharField(max_length=60, blank=True)
    industry_name_en = models.CharField(max_length=60, blank=True)
    stage = models.CharField(max_length=10, choices=Stage.choices)
    stage_reason = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    refreshed_at = models.DateTimeField()

    objects = BusinessProfileQuerySet.as_manager()

    class Meta:
        ordering = ["-refreshed_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["owner", "brn_index"], name="business_one_profile_per_owner")]

    def __str__(self) -> str:
        return self.business_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.brn_index = blind_index(self.brn, purpose=BRN_PURPOSE) if self.brn else ""
        super().save(*args, **kwargs)

    def engine_facts(self) -> Facts:
        return Facts.from_dict(self.facts)


class ProfileObservation(models.Model):
    """The profile's facts as the guarantee service gave them on a day (each build and refresh)."""

    profile = models.ForeignKey(BusinessProfile, on_delete=models.CASCADE, related_name="observations")
    as_of = models.DateField()
    facts = models.JSONField()
    made_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["profile", "as_of", "pk"]

    def __str__(self) -> str:
        return f"{self.profile} {self.as_of}"


class ProgrammeApplicationQuerySet(models.QuerySet["ProgrammeApplication"]):
    def own(self, user: Any) -> ProgrammeApplicationQuerySet:
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(applicant=user)

    def for_officer(self, user: Any) -> ProgrammeApplicationQuerySet:
        return self.filter(programme__in=Programme.objects.run_by(user))


class ProgrammeApplication(models.Model):
    class States(models.TextChoices):
        APPLIED = "applied", _("Applied")
        SELECTED = "selected", _("Selected")
        NOT_SELECTED = "not_selected", _("Not selected")
        COMPLETED = "completed", _("Completed")
        DROPPED = "dropped", _("Did not complete")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    reference = models.CharField(max_length=20, unique=True)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="applications")
    #: SET_NULL: when retention deletes the profile, the anonymous figures below stay for the evaluation.
    profile = models.ForeignKey(
        BusinessProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="business_applications"
    )
    #: The business's blind index, so a business applies once per programme whoever applies.
    brn_index = models.CharField(max_length=64, db_index=True)
    state = models.CharField(max_length=15, choices=States.choices, default=States.APPLIED, db_index=True)
    note = models.TextField(blank=True)
    #: As the business stood when it applied: stage, facts and each eligibility rule's result.
    stage = models.CharField(max_length=10, choices=Stage.choices)
    district = models.CharField(max_length=10, blank=True)
    industry = models.CharField(max_length=30, blank=True)
    facts = models.JSONField()
    eligibility = models.JSONField()
    #: The officer's points per assessed criterion, and the whole breakdown (``engine.scoring``).
    assessed = models.JSONField(default=dict, blank=True)
    score = models.JSONField(null=True, blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scored_at = models.DateTimeField(null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    dropped_reason = models.CharField(max_length=300, blank=True)
    #: The outcome measures as last taken (``engine.outcomes.Outcome.to_dict``), kept after the profile goes.
    outcome = models.JSONField(null=True, blank=True)
    applied_at = models.DateTimeField(auto_now_add=True)
    state_changed_at = models.DateTimeField(auto_now_add=True)

    objects = ProgrammeApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-applied_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "brn_index"], name="business_one_application_per_programme")
        ]

    def __str__(self) -> str:
        return self.reference


class Transition(models.Model):
    """Every change of an application's state: who, when, from and to, and why."""

    application = models.ForeignKey(ProgrammeApplication, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=15, blank=True)
    to_state = models.CharField(max_length=15)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["application", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.application}: {self.from_state} → {self.to_state}"

    @property
    def state_label(self) -> str:
        return str(dict(ProgrammeApplication.States.choices).get(self.to_state, self.to_state))
