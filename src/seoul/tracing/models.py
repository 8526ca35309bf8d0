"""Transactional state of contact tracing: outbreaks, persons, cases, contacts, exposures,
movement timelines, daily follow-ups, tracer profiles, work assignments, candidates found by
exposure discovery, and one-time self-report codes.

Writes go through ``actions``. Who may see a case or contact is decided here, in
:meth:`CaseQuerySet.visible_to` and :meth:`ContactQuerySet.visible_to`, because both the
actions (which refuse to act on what the person may not see) and the selectors use it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from seoul.core.crypto import EncryptedTextField, blind_index
from seoul.core.engine.districts import District, district
from seoul.core.engine.time import SEOUL
from seoul.core.models import ServiceRole
from seoul.core.roles import Role, Service
from seoul.tracing.engine.monitoring import SYMPTOMS, AlertRules

if TYPE_CHECKING:
    from seoul.tracing.engine.discovery import Window


_M = TypeVar("_M", bound=models.Model)

district_field_validators = [MinValueValidator(0), MaxValueValidator(24)]


def movement_dir() -> Path:
    """The presence store (docs/tracing-discovery.md): ``SEOUL_TRACING_DATA_DIR``, by default
    ``var/tracing``. Discovery, import, the demo and retention all use this one place."""
    return Path(getattr(settings, "SEOUL_TRACING_DATA_DIR", Path(settings.VAR_DIR) / "tracing"))


class Setting(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    WORKPLACE = "workplace", _("Workplace")
    RELIGIOUS = "religious", _("Religious gathering")
    NIGHTLIFE = "nightlife", _("Nightlife venue")
    TRANSIT = "transit", _("Public transport")
    CARE = "care", _("Care facility")
    EDUCATION = "education", _("School or academy")
    OTHER = "other", _("Other")


# What each contact-tracing role is called on the pages (the roles are the platform's).
STAFF_ROLES = {
    Role.VIEWER: _("Investigator"),
    Role.OPERATOR: _("Tracer"),
    Role.APPROVER: _("Supervisor"),
    Role.ADMIN: _("Tracing administrator"),
}


SYMPTOM_LABELS = {
    "fever": _("Fever"),
    "chills": _("Chills"),
    "cough": _("Cough"),
    "shortness_of_breath": _("Shortness of breath"),
    "sore_throat": _("Sore throat"),
    "loss_of_taste_or_smell": _("Loss of taste or smell"),
    "muscle_aches": _("Muscle aches"),
    "headache": _("Headache"),
    "fatigue": _("Tiredness"),
    "runny_nose": _("Runny nose"),
    "diarrhoea": _("Diarrhoea"),
    "other": _("Other symptoms"),
}
SYMPTOM_CHOICES = [(code, SYMPTOM_LABELS[code]) for code in SYMPTOMS]
"""The symptom list of the daily report (``engine/monitoring.py``), labelled in the page's language."""


class Language(models.TextChoices):
    """The language a person reads: their texts and self-report page are in it. Each name is
    written in its own language, as a language menu is. Staff pages are in Korean and English;
    Chinese and Vietnamese, read by many of Seoul's foreign residents, serve only what the
    person reads (``locale/zh_Hans``, ``locale/vi``: the daily text and the self-report page)."""

    KOREAN = "ko", "한국어"
    ENGLISH = "en", "English"
    CHINESE = "zh-hans", "中文(简体)"
    VIETNAMESE = "vi", "Tiếng Việt"


class Source(models.TextChoices):
    INTERVIEW = "interview", _("Interview")
    DATA = "data", _("Movement data")


class OutbreakQuerySet(models.QuerySet["Outbreak"]):
    """Who takes part in an outbreak, and who manages it.

    - visible (its name, district and chains): tracing admins; its investigators; staff with an
      active tracer profile in its district; anyone who sees one of its cases;
    - manageable (its investigators): tracing admins and platform admins; a supervisor
      (``tracing:approver`` with an active profile) of the outbreak's district.
    """

    def visible_to(self, user: Any) -> OutbreakQuerySet:
        if user is None or not user.is_authenticated or not user.has_role(Service.TRACING, Role.VIEWER):
            return self.none()
        if user.has_role(Service.TRACING, Role.ADMIN):
            return self
        rule = Q(investigators=user) | Q(pk__in=Case.objects.visible_to(user).values("outbreak_id"))
        profile = TracerProfile.objects.filter(user=user, active=True).first()
        if profile is not None and user.has_role(Service.TRACING, Role.OPERATOR):
            rule |= Q(district=profile.district)
        return self.filter(pk__in=Outbreak.objects.filter(rule).values("pk"))

    def manageable_by(self, user: Any) -> OutbreakQuerySet:
        if user is None or not user.is_authenticated or not user.has_role(Service.TRACING, Role.APPROVER):
            return self.none()
        if user.has_role(Service.TRACING, Role.ADMIN):
            return self
        profile = TracerProfile.objects.filter(user=user, active=True).first()
        return self.none() if profile is None else self.filter(district=profile.district)


class Outbreak(models.Model):
    """A cluster under investigation, with its own monitoring and infectious-window rules.
    Named in Korean and in English, so each page names it in its own language."""

    name = models.CharField(max_length=200, help_text="in Korean")
    name_en = models.CharField(max_length=200, blank=True, default="", help_text="in English")
    district = models.PositiveSmallIntegerField(validators=district_field_validators)
    monitoring_days = models.PositiveSmallIntegerField(
        default=14, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    infectious_days_before = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(0), MaxValueValidator(14)]
    )
    investigators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="tracing_outbreaks")
    opened_on = models.DateField(default=timezone.localdate)
    alert_rules = models.JSONField(
        default=dict, blank=True, help_text="what flags a daily report (engine/monitoring.py AlertRules); {}: KDCA's"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OutbreakQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def reference(self) -> str:
        return f"O-{self.pk}"

    @property
    def label(self) -> str:
        """The outbreak's name in the page's language (an outbreak opened before names were
        asked in both languages is called by its district and date on English pages)."""
        if (get_language() or "ko").startswith("en"):
            return self.name_en or f"{self.district_obj.name_en} outbreak {self.reference}, {self.opened_on:%Y-%m-%d}"
        return self.name

    @property
    def district_obj(self) -> District:
        return district(self.district)

    @property
    def rules(self) -> AlertRules:
        return AlertRules.from_mapping(self.alert_rules)

    def rules_text(self) -> str:
        """The alert rules in a sentence of the page's language."""
        rules = self.rules
        flagged = ", ".join(str(label) for code, label in SYMPTOM_CHOICES if code in rules.symptoms) or "—"
        text = gettext(
            "Alert on a temperature of %(fever)s °C or more and on: %(symptoms)s%(other)s. "
            "Call list after %(escalate)s days without a report; %(lost)s."
        )
        if rules.lost_after_days:
            lost = gettext("lost to follow-up after %(days)s days") % {"days": rules.lost_after_days}
        else:
            lost = gettext("never closed as lost automatically")
        return text % {
            "fever": f"{rules.fever_at_c:.1f}",
            "symptoms": flagged,
            "other": gettext(", other symptoms in words") if rules.other_flags else "",
            "escalate": rules.escalate_after_days,
            "lost": lost,
        }


class Person(models.Model):
    """Someone a case or contact record is about. Name and phone are encrypted at rest; the
    phone is found through its blind index; ``presence_id`` is the pseudonymous id of the
    movement data, linking a discovered candidate to this record."""

    name = EncryptedTextField()
    phone = EncryptedTextField(blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    district = models.PositiveSmallIntegerField(validators=district_field_validators)
    presence_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.KOREAN)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        # Never the name: labels end up in logs and the audit log.
        return f"P-{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.phone_index = blind_index(self.phone, purpose="tracing.person.phone") if self.phone else ""
        super().save(*args, **kwargs)

    @property
    def district_obj(self) -> District:
        return district(self.district)


def one_target(name: str) -> models.CheckConstraint:
    """A row about exactly one case or one contact (assignments, transfers)."""
    return models.CheckConstraint(
        condition=(Q(case__isnull=False) & Q(contact__isnull=True)) | (Q(case__isnull=True) & Q(contact__isnull=False)),
        name=name,
    )


class ScopedQuerySet(models.QuerySet[_M]):
    """Who sees what (least privilege):

    - a tracer (``tracing:operator``) sees the records assigned to them now;
    - a supervisor (``tracing:approver`` with a tracer profile) the records of their district;
    - an investigator (``tracing:viewer`` or above, a member of the outbreak) their outbreaks;
    - ``tracing:admin`` and platform admins everything.
    """

    assignment_field = ""

    def visible_to(self, user: Any) -> ScopedQuerySet[_M]:
        if user is None or not user.is_authenticated or not user.has_role(Service.TRACING, Role.VIEWER):
            return self.none()
        if user.has_role(Service.TRACING, Role.ADMIN):
            return self
        rule = Q(outbreak__investigators=user)
        if user.has_role(Service.TRACING, Role.OPERATOR):
            rule |= Q(pk__in=Assignment.objects.filter(tracer=user, ended_at=None).values(self.assignment_field))
        if user.has_role(Service.TRACING, Role.APPROVER):
            profile = TracerProfile.objects.filter(user=user, active=True).first()
            if profile is not None:
                rule |= Q(district=profile.district)
        return self.filter(pk__in=self.model._default_manager.filter(rule).values("pk"))


class CaseQuerySet(ScopedQuerySet["Case"]):
    assignment_field = "case_id"


class ContactQuerySet(ScopedQuerySet["Contact"]):
    assignment_field = "contact_id"


class Case(models.Model):
    """A case -- suspected, probable, confirmed or found not to be one (``classification``, with
    its history in :class:`ClassificationChange`): infectious from ``infectious_days_before``
    days before symptom onset (or the test date when there were no symptoms) until isolation.
    ``confirmed_on`` is set exactly while the case is confirmed."""

    class Classification(models.TextChoices):
        SUSPECTED = "suspected", _("Suspected")
        PROBABLE = "probable", _("Probable")
        CONFIRMED = "confirmed", _("Confirmed")
        NOT_A_CASE = "not_a_case", _("Not a case")

    class Status(models.TextChoices):
        INVESTIGATING = "investigating", _("Under investigation")
        ISOLATED = "isolated", _("Isolated")
        RELEASED = "released", _("Released from isolation")

    class Outcome(models.TextChoices):
        RECOVERED = "recovered", _("Recovered")
        DIED = "died", _("Died")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    outbreak = models.ForeignKey(Outbreak, on_delete=models.PROTECT, related_name="cases")
    district = models.PositiveSmallIntegerField(
        validators=district_field_validators, help_text="district responsible (the person's, when registered)"
    )
    classification = models.CharField(max_length=12, choices=Classification.choices, default=Classification.CONFIRMED)
    confirmed_on = models.DateField(null=True, blank=True, help_text="set while the case is confirmed")
    onset_on = models.DateField(null=True, blank=True, help_text="symptom onset; empty when asymptomatic")
    test_on = models.DateField(null=True, blank=True, help_text="date of the positive test")
    isolated_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INVESTIGATING)
    afebrile_since = models.DateTimeField(
        null=True, blank=True, help_text="no fever without antipyretics and symptoms improving, since (release rules)"
    )
    vaccination_complete = models.BooleanField(
        null=True,
        blank=True,
        help_text="vaccination complete by the definition of the time (release rules from 2022-01-26); empty: not known",
    )
    released_on = models.DateField(null=True, blank=True)
    hospital_request = models.CharField(
        max_length=20, blank=True, default="", help_text="the hospitals service's reference of the bed request"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, default="")
    outcome_on = models.DateField(null=True, blank=True)
    release_rule = models.CharField(
        max_length=64, blank=True, default="", help_text="criteria version and rule the release met (engine/release.py)"
    )
    from_contact = models.OneToOneField(
        "Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="became_case"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-confirmed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "outbreak"], name="tracing_one_case_per_person_outbreak"),
            models.CheckConstraint(
                condition=Q(onset_on__isnull=False) | Q(test_on__isnull=False), name="tracing_case_onset_or_test"
            ),
            models.CheckConstraint(
                condition=(Q(classification="confirmed") & Q(confirmed_on__isnull=False))
                | (~Q(classification="confirmed") & Q(confirmed_on__isnull=True)),
                name="tracing_case_confirmed_on_iff_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"C-{self.pk}"

    NOT_A_CASE_RULE = "not_a_case"
    """``release_rule`` of a case whose isolation ended because it was found not to be one."""

    @property
    def is_confirmed(self) -> bool:
        return self.classification == self.Classification.CONFIRMED

    @property
    def known_on(self) -> date:
        """The confirmation date of a confirmed case, else the day it was registered."""
        return self.confirmed_on or timezone.localdate(self.created_at, SEOUL)

    @property
    def reference(self) -> str:
        return str(self)

    @property
    def district_obj(self) -> District:
        return district(self.district)

    def window(self) -> Window:
        """The infectious window, by the same rule exposure discovery searches with
        (``engine.discovery.infectious_window``): from 00:00 Seoul time, the outbreak's
        ``infectious_days_before`` days before symptom onset (or the test date when there were
        no symptoms), until isolation; isolation not recorded yet: the engine's default."""
        # Imported here: the engine loads DuckDB, which pages without discovery do not need.
        from seoul.tracing.engine.discovery import infectious_window

        return infectious_window(
            self.onset_on, self.test_on, self.isolated_at, days_before=self.outbreak.infectious_days_before
        )


class ClassificationChange(models.Model):
    """One classification of a case, kept for its history: the class, the day it applies from,
    and its basis -- a laboratory result (``lab_result``) or the words of the person who
    classified (symptoms and link, a negative test, a review); empty for the class a case was
    registered or converted from a contact with."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="classifications")
    classification = models.CharField(max_length=12, choices=Case.Classification.choices)
    on = models.DateField(help_text="the day the classification applies from")
    basis = models.CharField(max_length=300, blank=True, default="")
    lab_result = models.ForeignKey(
        "LabResult", null=True, blank=True, on_delete=models.PROTECT, related_name="classifications"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case} {self.classification} {self.on}"


class LabResult(models.Model):
    """One laboratory test of a case: the specimen, the test, the laboratory, the result and when
    the specimen was taken and the result came. Negative PCRs count towards release by the test
    criteria (``engine/release.py``); results are kept, never overwritten."""

    class Test(models.TextChoices):
        PCR = "pcr", _("PCR")
        RAT = "rat", _("Rapid antigen test")
        ANTIBODY = "antibody", _("Antibody test")

    class Specimen(models.TextChoices):
        NASOPHARYNGEAL = "nasopharyngeal", _("Nasopharyngeal swab")
        OROPHARYNGEAL = "oropharyngeal", _("Throat swab")
        SALIVA = "saliva", _("Saliva")
        SPUTUM = "sputum", _("Sputum")
        BLOOD = "blood", _("Blood")

    class Result(models.TextChoices):
        POSITIVE = "positive", _("Positive")
        NEGATIVE = "negative", _("Negative")
        INCONCLUSIVE = "inconclusive", _("Inconclusive")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="lab_results")
    test = models.CharField(max_length=16, choices=Test.choices)
    specimen = models.CharField(max_length=16, choices=Specimen.choices)
    lab = models.CharField(max_length=100, help_text="the laboratory that ran the test")
    result = models.CharField(max_length=16, choices=Result.choices)
    collected_at = models.DateTimeField(help_text="when the specimen was taken")
    resulted_at = models.DateTimeField(help_text="when the result was reported")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-collected_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resulted_at__gte=models.F("collected_at")), name="tracing_lab_result_after_specimen"
            )
        ]

    def __str__(self) -> str:
        return f"L-{self.pk}"


class Contact(models.Model):
    """A person exposed to a case. Quarantine runs from the last exposure for the outbreak's
    monitoring period: both dates are derived, never typed."""

    class Status(models.TextChoices):
        MONITORING = "monitoring", _("Under monitoring")
        BECAME_CASE = "became_case", _("Became a case")
        COMPLETED = "completed", _("Monitoring completed")
        LOST = "lost", _("Lost to follow-up")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="contacts")
    outbreak = models.ForeignKey(Outbreak, on_delete=models.PROTECT, related_name="contacts")
    source_case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="contacts")
    district = models.PositiveSmallIntegerField(validators=district_field_validators)
    last_exposure_on = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.MONITORING)
    traced_at = models.DateTimeField(null=True, blank=True, help_text="first time the contact was reached")
    symptoms_flagged_at = models.DateTimeField(
        null=True, blank=True, help_text="symptoms reported and not yet reviewed by the tracer"
    )
    continuous_exposure = models.BooleanField(
        default=False,
        help_text="exposed for as long as the case is isolated (a household): monitoring ends the outbreak's "
        "days after the case's isolation ends",
    )
    closed_on = models.DateField(null=True, blank=True, help_text="the day monitoring ended (any closing status)")
    close_reason = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["-last_exposure_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "source_case"], name="tracing_one_contact_per_person_case")
        ]

    def __str__(self) -> str:
        return f"K-{self.pk}"

    @property
    def reference(self) -> str:
        return str(self)

    @property
    def district_obj(self) -> District:
        return district(self.district)

    @property
    def quarantine_start(self) -> date:
        return self.last_exposure_on

    @property
    def quarantine_end(self) -> date:
        """Last day of quarantine: the last exposure day plus the monitoring period. For a
        continuous exposure the last exposure moves to the day the case's isolation ends
        (``actions.release``); until then this is the earliest the quarantine can end."""
        return self.last_exposure_on + timedelta(days=self.outbreak.monitoring_days)

    @property
    def waits_for_case(self) -> bool:
        """A continuous exposure whose case is still isolated: the quarantine end is not known."""
        return self.continuous_exposure and self.source_case.status != Case.Status.RELEASED

    def monitored_on(self, day: date) -> bool:
        return (
            self.status == self.Status.MONITORING
            and self.quarantine_start < day
            and (day <= self.quarantine_end or self.waits_for_case)
        )

    SILENT_PREFIX = "silent:"
    """``close_reason`` of a contact the nightly job closed as lost: ``silent:<days>:<last report or ->``."""

    @property
    def close_reason_text(self) -> str:
        """Why monitoring ended, in the page's language (a tracer's own words as typed)."""
        if not self.close_reason.startswith(self.SILENT_PREFIX):
            return self.close_reason
        _prefix, days, last = self.close_reason.split(":", 2)
        if last == "-":
            return gettext("No report for %(days)s days; never reached (closed automatically).") % {"days": days}
        return gettext("No report for %(days)s days; last report %(last)s (closed automatically).") % {
            "days": days,
            "last": last,
        }


class Exposure(models.Model):
    """A link between two persons: who was exposed to whom, where, how and how sure we are."""

    class Proximity(models.TextChoices):
        TOUCH = "touch", _("Physical contact")
        CLOSE = "close", _("Within 2 metres")
        SAME_ROOM = "same_room", _("Same room or vehicle")
        SAME_CAR = "same_car", _("Same train car")
        UNKNOWN = "unknown", _("Unknown")

    class Mask(models.TextChoices):
        BOTH = "both", _("Both wore masks")
        CASE_ONLY = "case_only", _("Only the case wore a mask")
        CONTACT_ONLY = "contact_only", _("Only the contact wore a mask")
        NEITHER = "neither", _("Neither wore a mask")
        UNKNOWN = "unknown", _("Unknown")

    class Certainty(models.TextChoices):
        CONFIRMED = "confirmed", _("Certain")
        PROBABLE = "probable", _("Probable")
        POSSIBLE = "possible", _("Possible")

    outbreak = models.ForeignKey(Outbreak, on_delete=models.PROTECT, related_name="exposures")
    source = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="exposures_given")
    exposed = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="exposures_received")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="exposures")
    on = models.DateField()
    place = models.CharField(max_length=200)
    setting = models.CharField(max_length=16, choices=Setting.choices)
    duration_minutes = models.PositiveIntegerField(validators=[MaxValueValidator(24 * 60 * 14)])
    proximity = models.CharField(max_length=16, choices=Proximity.choices, default=Proximity.UNKNOWN)
    mask = models.CharField(max_length=16, choices=Mask.choices, default=Mask.UNKNOWN)
    certainty = models.CharField(max_length=16, choices=Certainty.choices, default=Certainty.PROBABLE)
    found_by = models.CharField(max_length=16, choices=Source.choices, default=Source.INTERVIEW)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(source=models.F("exposed")), name="tracing_exposure_two")]

    def __str__(self) -> str:
        return f"E-{self.pk}"


class TimelineEntry(models.Model):
    """Where a case was, from an interview or from movement data."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="timeline")
    start = models.DateTimeField()
    end = models.DateTimeField()
    place = models.CharField(max_length=200)
    district = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=district_field_validators,
        help_text="the place's district; empty outside Seoul",
    )
    setting = models.CharField(max_length=16, choices=Setting.choices)
    found_by = models.CharField(max_length=16, choices=Source.choices, default=Source.INTERVIEW)
    note = models.TextField(blank=True, max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start", "id"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="tracing_timeline_order")]

    def __str__(self) -> str:
        return f"{self.case} {self.start:%Y-%m-%d %H:%M} {self.place}"

    @property
    def district_obj(self) -> District | None:
        return None if self.district is None else district(self.district)


class FollowUpQuerySet(models.QuerySet["FollowUp"]):
    def latest_per_day(self) -> FollowUpQuerySet:
        """The latest entry of each contact and day: the day's status."""
        same_day = FollowUp.objects.filter(contact=models.OuterRef("contact"), day=models.OuterRef("day"))
        later = same_day.filter(
            Q(recorded_at__gt=models.OuterRef("recorded_at"))
            | Q(recorded_at=models.OuterRef("recorded_at"), pk__gt=models.OuterRef("pk"))
        )
        return self.exclude(models.Exists(later))


class FollowUp(models.Model):
    """One follow-up entry of a contact on a day. A day may have several (a missed call, then a
    call that got through; a self-report, then the tracer's call): every entry is kept, and the
    day's status is its latest entry (:meth:`FollowUpQuerySet.latest_per_day`)."""

    class Status(models.TextChoices):
        SEEN_WELL = "seen_well", _("Seen, well")
        SEEN_SYMPTOMS = "seen_symptoms", _("Seen, with symptoms")
        MISSED = "missed", _("Missed")
        NOT_ATTEMPTED = "not_attempted", _("Not attempted")

    class Channel(models.TextChoices):
        TRACER = "tracer", _("Tracer")
        SELF_REPORT = "self_report", _("Self-report")

    REACHED = (Status.SEEN_WELL, Status.SEEN_SYMPTOMS)

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="follow_ups")
    day = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices)
    symptom_list = models.JSONField(default=list, blank=True, help_text="symptom codes (engine/monitoring.py)")
    temperature = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True, help_text="°C")
    symptoms = models.CharField(max_length=500, blank=True, help_text="other symptoms, in words")
    alerts = models.JSONField(default=list, blank=True, help_text="what the outbreak's alert rules flagged")
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.TRACER)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-recorded_at", "-id"]
        indexes = [models.Index(fields=["contact", "day"], name="tracing_follow_up_contact_day")]

    def __str__(self) -> str:
        return f"{self.contact} {self.day} {self.status}"

    def symptom_labels(self) -> list[str]:
        """The reported symptoms in the page's language, the temperature with a fever."""
        labels = []
        for code in self.symptom_list:
            label = str(SYMPTOM_LABELS.get(code, code))
            if code == "fever" and self.temperature is not None:
                label = f"{label} {self.temperature} °C"
            labels.append(label)
        if self.symptoms:
            labels.append(self.symptoms)
        return labels


class TracerProfileQuerySet(models.QuerySet["TracerProfile"]):
    def tracers(self) -> TracerProfileQuerySet:
        """Active tracers: an active profile, an active account and exactly the operator role
        (supervisors and administrators are not handed casework)."""
        operators = ServiceRole.objects.filter(service=Service.TRACING, role=Role.OPERATOR).values("user_id")
        return self.filter(active=True, user__is_active=True, user_id__in=operators)

    def managed_by(self, user: Any) -> TracerProfileQuerySet:
        """The tracers whose work ``user`` may hand out: a supervisor's district, every
        district for tracing admins, nobody for anyone else."""
        if user is None or not user.is_authenticated or not user.has_role(Service.TRACING, Role.APPROVER):
            return self.none()
        if user.has_role(Service.TRACING, Role.ADMIN):
            return self.tracers()
        own = TracerProfile.objects.filter(user=user, active=True).first()
        return self.none() if own is None else self.tracers().filter(district=own.district)


class TracerProfile(models.Model):
    """The district a tracer (``tracing:operator``) works in, or a supervisor
    (``tracing:approver``) supervises."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tracer_profile")
    district = models.PositiveSmallIntegerField(validators=district_field_validators)
    active = models.BooleanField(default=True)

    objects = TracerProfileQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.user} ({self.district_obj})"

    @property
    def district_obj(self) -> District:
        return district(self.district)


class Assignment(models.Model):
    """A case or a contact given to a tracer. Ending it (``ended_at``) keeps the history."""

    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="assignments")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="assignments")
    tracer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tracing_assignments")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-assigned_at"]
        constraints = [
            one_target("tracing_assignment_one_target"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(ended_at__isnull=True, case__isnull=False), name="tracing_one_case_tracer"
            ),
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(ended_at__isnull=True, contact__isnull=False),
                name="tracing_one_contact_tracer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case or self.contact} → {self.tracer}"

    @property
    def reference(self) -> str:
        """The reference of the case or contact assigned (C-12, K-34)."""
        target = self.case or self.contact
        return target.reference if target is not None else ""


class Candidate(models.Model):
    """A person exposure discovery found co-present with a case. Nothing becomes a contact
    without a tracer's decision (``status``, ``decided_by``, ``decided_at``, ``reason``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        CONFIRMED = "confirmed", _("Confirmed as a contact")
        DISMISSED = "dismissed", _("Dismissed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="candidates")
    presence_id = models.CharField(max_length=64)
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    overlap_minutes = models.FloatField(default=0)
    first_contact = models.DateTimeField()
    places = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    discovered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "presence_id"], name="tracing_one_candidate_per_case")]

    def __str__(self) -> str:
        return f"{self.case} ~ {self.presence_id}"

    def has_setting(self, setting: str) -> bool:
        """Whether any stored episode took place in this setting (indoor, transit, outdoor)."""
        return any(isinstance(r, dict) and r.get("setting") == setting for r in self.reasons)

    def reason_lines(self) -> list[str]:
        """Why the person was listed, one line per episode, in the active language."""
        return [describe_episode(r) if isinstance(r, dict) else str(r) for r in self.reasons]

    def reason_rows(self) -> list[tuple[int, str, bool]]:
        """Each reason line with its position and whether it is a movement-data record (whose
        place can go on the case's timeline), not a text an API client sent."""
        return [
            (i, line, isinstance(r, dict))
            for i, (r, line) in enumerate(zip(self.reasons, self.reason_lines(), strict=True))
        ]


EPISODE_SETTINGS = {"indoor": _("indoors"), "transit": _("in transit"), "outdoor": _("outdoors")}
EPISODE_SOURCES = {
    "venue": _("venue entry log"),
    "metro": _("metro"),
    "card": _("card payment"),
    "entry_card": _("building entry card"),
    "other": _("other"),
}


def describe_episode(episode: dict[str, Any]) -> str:
    """One stored discovery episode (``engine.discovery.Episode.record``) as a sentence."""
    start = datetime.fromisoformat(episode["start"]).astimezone(SEOUL)
    end = datetime.fromisoformat(episode["end"]).astimezone(SEOUL)
    if episode.get("same_car") is True:
        car = gettext(", same car (%(car)s)") % {"car": episode.get("car")}
    elif episode.get("same_car") is False:
        car = gettext(", another car")
    else:
        car = ""
    text = gettext("%(start)s–%(end)s at %(place)s%(car)s (%(setting)s, %(source)s): %(minutes)s min together")
    return text % {
        "start": f"{start:%Y-%m-%d %H:%M}",
        "end": f"{end:%H:%M}",
        "place": episode.get("place", "?"),
        "car": car,
        "setting": EPISODE_SETTINGS.get(episode.get("setting", ""), episode.get("setting", "")),
        "source": EPISODE_SOURCES.get(episode.get("source", ""), episode.get("source", "")),
        "minutes": f"{float(episode.get('minutes', 0)):.0f}",
    }


class SelfReportCode(models.Model):
    """A one-time code sent by text message so a contact can report today's health without an
    account. Only a keyed hash of the code is stored; the link carries ``invite`` (which says
    which code, not the code). Valid until ``expires_at`` (end of the day it was sent), used
    once, and locked for a while after too many wrong codes.

    The code is recorded first and texted once the recording has committed (``delivery``:
    pending → sending → sent, or failed: a code that could not be texted is expired at once)."""

    class Delivery(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not delivered")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="self_report_codes")
    invite = models.CharField(max_length=32, unique=True)
    code_hash = models.CharField(max_length=64)
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    delivery = models.CharField(max_length=8, choices=Delivery.choices, default=Delivery.PENDING)
    message_id = models.CharField(max_length=100, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True, help_text="when the gateway accepted or refused it")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.contact} {self.day}"


class DuplicateRegistration(models.Model):
    """A case registered again by someone who may not see the case already on record (another
    district's or tracer's). The registering tracer is told nothing about the existing case;
    what they entered waits here for the supervisors who see that case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="duplicate_registrations")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(default=timezone.now)
    details = models.JSONField(default=dict, help_text="the dates, district and movement-data id entered")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["registered_at", "id"]

    def __str__(self) -> str:
        return f"D-{self.pk} ({self.case})"


class LineListImport(models.Model):
    """One line list imported from a file (``actions/linelist.py``): what, from which file
    (its name and SHA-256), with which column mapping, by whom, and the outcome -- rows read,
    imported, referred to another team, and every refused row's line, field and reason. No
    personal data: the reasons never repeat a name or a phone number."""

    class Kind(models.TextChoices):
        CASES = "cases", _("Cases")
        CONTACTS = "contacts", _("Contacts")
        FOLLOW_UPS = "follow_ups", _("Follow-ups")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    mapping = models.JSONField(default=dict, help_text="field -> column header")
    outbreak = models.ForeignKey(Outbreak, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rows = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    referred = models.PositiveIntegerField(default=0)
    refused = models.JSONField(default=list, help_text="[{line, field, reason}]")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"I-{self.pk}"


class MassText(models.Model):
    """The long tail of a case's discovery texted at once (``actions/long_tail.py``): the
    threshold a supervisor chose (candidates at or above it went to the tracers), the public
    notice's words the text may repeat, and the counts."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="mass_texts")
    threshold = models.FloatField()
    notice = models.CharField(max_length=80, blank=True, default="", help_text="what public notices already said")
    candidates = models.PositiveIntegerField(default=0, help_text="everyone discovery found")
    recipients = models.PositiveIntegerField(default=0, help_text="below the threshold and not opted out")
    opted_out = models.PositiveIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"M-{self.pk}"


class MassTextRecipient(models.Model):
    """One pseudonymous id a mass text goes to (relayed by the carrier; no phone number here)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not delivered")
        OPTED_OUT = "opted_out", _("Opted out")

    mass_text = models.ForeignKey(MassText, on_delete=models.CASCADE, related_name="recipient_rows")
    presence_id = models.CharField(max_length=64)
    stop_token = models.CharField(
        max_length=32, db_index=True, help_text="the opt-out link's keyed hash of the id (actions/long_tail.py)"
    )
    score = models.FloatField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    message_id = models.CharField(max_length=100, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["mass_text", "status"], name="tracing_masstext_status"),
            models.Index(fields=["presence_id"], name="tracing_masstext_presence"),
        ]

    def __str__(self) -> str:
        return f"{self.mass_text} {self.status}"


class MassTextOptOut(models.Model):
    """Someone who asked for no more mass texts: a keyed hash of their pseudonymous id."""

    index = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"opt-out {self.pk}"


class Transfer(models.Model):
    """A case or contact handed from one district to another (the person moved, or is cared
    for elsewhere): asked by someone who works on it, accepted or refused by the receiving
    district's supervisor. Until accepted the record stays where it is."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the receiving district")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")

    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="transfers")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="transfers")
    from_district = models.PositiveSmallIntegerField(validators=district_field_validators)
    to_district = models.PositiveSmallIntegerField(validators=district_field_validators)
    reason = models.CharField(max_length=300)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            one_target("tracing_transfer_one_target"),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="pending", case__isnull=False),
                name="tracing_one_pending_case_transfer",
            ),
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(status="pending", contact__isnull=False),
                name="tracing_one_pending_contact_transfer",
            ),
            models.CheckConstraint(condition=~Q(from_district=models.F("to_district")), name="tracing_transfer_moves"),
        ]

    def __str__(self) -> str:
        return f"T-{self.pk}"

    @property
    def record(self) -> Case | Contact:
        target = self.case or self.contact
        assert target is not None  # noqa: S101 - the constraint holds one
        return target

    @property
    def from_district_obj(self) -> District:
        return district(self.from_district)

    @property
    def to_district_obj(self) -> District:
        return district(self.to_district)


class PersonDecision(models.Model):
    """A supervisor's review of two person records that looked like one person: merged (the
    second's records moved to the first, the second deleted) or different (not proposed
    again). The pair is kept as its references (P-3:P-9), never names."""

    class Decision(models.TextChoices):
        MERGED = "merged", _("Merged into one person")
        DIFFERENT = "different", _("Different people")

    pair = models.CharField(max_length=40, unique=True, help_text="lower:higher person id")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    note = models.CharField(max_length=300)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.pair} {self.decision}"

    @staticmethod
    def key(a: int, b: int) -> str:
        return f"{min(a, b)}:{max(a, b)}"
