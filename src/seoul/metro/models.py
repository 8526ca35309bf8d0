"""Transactional state of the metro service: gates, riders, gate events, journeys and the
double-entry ledger. Writes go through ``actions``; journeys and ledger postings are derived
from the accepted gate events (see ``engine/journeys.py`` and ``engine/ledger.py``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, Count, ExpressionWrapper, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from seoul.core.crypto import EncryptedTextField
from seoul.core.engine.time import SEOUL
from seoul.core.roles import Role, Service
from seoul.metro.engine.journeys import MAX_JOURNEY

# The institution that runs the metro service: its staff handle fare disputes (refunds come out
# of its revenue, and a dispute shows the rider's journeys). docs/metro-journeys.md "Who may do what".
OPERATOR_INSTITUTION = "SEOUL_METRO"


# Taps received within this of each other came in one batch: only a tap received later than this
# after the other was missing long enough for its journey to be charged as incomplete.
SAME_BATCH = timedelta(seconds=1)


def handles_disputes(user: Any) -> bool:
    """Approvers of the operating institution (서울교통공사), and platform admins. A metro
    approver role held by staff of another institution does not open disputes."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_platform_admin:
        return True
    if not user.has_role(Service.METRO, Role.APPROVER) or user.institution_id is None:
        return False
    return bool(user.institution.code == OPERATOR_INSTITUTION)


class Gate(models.Model):
    """A gate array at one line's station (reference data built from stations.csv)."""

    code = models.CharField(max_length=32, unique=True)
    station = models.CharField(max_length=60, db_index=True)
    line = models.CharField(max_length=10)
    lanes = models.PositiveSmallIntegerField(default=6)
    tagless = models.BooleanField(default=True)

    class Meta:
        ordering = ["line", "station"]

    def __str__(self) -> str:
        return f"{self.station} ({self.line}) {self.code}"


class Rider(models.Model):
    """An app account that rides. ``account`` is the opaque id the phone presents at gates."""

    class Category(models.TextChoices):
        ADULT = "adult", _("Adult")
        YOUTH = "youth", _("Youth")
        CHILD = "child", _("Child")
        SENIOR = "senior", _("65 and over")
        DISABLED = "disabled", _("Person with a disability")
        MERIT = "merit", _("National merit")

    account = models.CharField(max_length=64, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="rider"
    )

    class PaymentMode(models.TextChoices):
        PREPAID = "prepaid", _("Prepaid balance")
        POSTPAID = "postpaid", _("Postpaid card (settled daily)")

    category = models.CharField(max_length=10, choices=Category.choices, default=Category.ADULT)
    # Personal data, given at sign-up: the fare category follows from it (docs/metro-riders.md).
    birth_date = models.DateField(null=True, blank=True)
    payment_mode = models.CharField(max_length=8, choices=PaymentMode.choices, default=PaymentMode.PREPAID)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.account

    def ledger_account(self) -> str:
        return f"rider:{self.account}"


class RiderPass(models.Model):
    """A 30-day 기후동행카드 covering the rider's eligible journeys from 04:00 of its first day
    to 04:00 after ``ends_on`` (docs/metro-journeys.md "기후동행카드"). ``month`` keeps its name for
    the pages and API that read it; it holds the first day."""

    rider = models.ForeignKey(Rider, on_delete=models.PROTECT, related_name="passes")
    product = models.CharField(max_length=30, default="climate_card")
    variant = models.CharField(max_length=20, default="standard", help_text="a variant of tariffs.json")
    month = models.DateField(help_text="first day covered (before 30-day passes: the first day of the month)")
    ends_on = models.DateField(null=True, help_text="last day covered")
    price = models.PositiveIntegerField()
    bought_at = models.DateTimeField(auto_now_add=True)
    refunded_at = models.DateTimeField(null=True, blank=True, help_text="no journey after this is covered")
    refund = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rider", "product", "month"], name="one_pass_per_month")]

    def __str__(self) -> str:
        return f"{self.rider} {self.product} {self.month:%Y-%m}"


class GateEvent(models.Model):
    """One entry or exit reported by a gate, accepted at most once by its event id."""

    class Kind(models.TextChoices):
        ENTRY = "entry", _("Entry")
        EXIT = "exit", _("Exit")

    class Source(models.TextChoices):
        TAGLESS = "tagless", _("Tagless")
        CARD = "card", _("Card tap")
        RIDER = "rider", _("Given by the rider")

    event_id = models.CharField(max_length=64, unique=True)
    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="events")
    rider = models.ForeignKey(Rider, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.TAGLESS)
    lane = models.PositiveSmallIntegerField(null=True, blank=True)
    content_hash = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["rider", "at"])]

    def __str__(self) -> str:
        return self.event_id


class BusRide(models.Model):
    """A bus ride reported by the bus fare system, for integrated transfers with the subway."""

    class Mode(models.TextChoices):
        TRUNK = "trunk", _("Trunk or branch bus")
        CIRCULAR = "circular", _("Circular bus")
        VILLAGE = "village", _("Village bus")
        NIGHT = "night", _("Night bus")

    event_id = models.CharField(max_length=64, unique=True)
    rider = models.ForeignKey(Rider, on_delete=models.PROTECT, related_name="bus_rides")
    mode = models.CharField(max_length=10, choices=Mode.choices)
    route = models.CharField(max_length=20)
    board_at = models.DateTimeField(db_index=True)
    alight_at = models.DateTimeField()
    metres = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.route} {self.board_at:%Y-%m-%d %H:%M}"


class FlaggedPassage(models.Model):
    """A passage the tagless detector refused to attribute (sent to fallback, never charged)."""

    event_id = models.CharField(max_length=64, unique=True)
    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="flags")
    at = models.DateTimeField(db_index=True)
    lane = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=40)
    content_hash = models.CharField(max_length=64, default="")
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.gate.code} {self.reason}"


def day_start(day: date) -> datetime:
    """The first instant of a Seoul-local day."""
    return datetime.combine(day, time.min, tzinfo=SEOUL)


class JourneyQuerySet(models.QuerySet["Journey"]):
    def visible_to(self, user: Any) -> JourneyQuerySet:
        """A rider's own journeys; every journey for those who handle disputes."""
        if handles_disputes(user):
            return self
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(rider__user=user)

    def started_on(self, days: list[date]) -> JourneyQuerySet:
        """Journeys that started on these Seoul-local days (one range per run of adjacent days)."""
        runs: list[list[date]] = []
        for d in sorted(set(days)):
            if runs and runs[-1][-1] + timedelta(days=1) == d:
                runs[-1].append(d)
            else:
                runs.append([d])
        q = Q(pk__in=[])
        for run in runs:
            q |= Q(started_at__gte=day_start(run[0]), started_at__lt=day_start(run[-1] + timedelta(days=1)))
        return self.filter(q)

    def revenue_by_day_and_gate(self) -> list[dict[str, Any]]:
        """Charged journeys (not superseded, with an entry) and their charges, per Seoul-local day
        and entry station of a line: ``day``, ``line``, ``station``, ``journeys``, ``won``."""
        return list(
            self.filter(superseded=False, entry__isnull=False)
            .annotate(day=TruncDate("started_at", tzinfo=SEOUL))
            .values("day", line=F("entry__gate__line"), station=F("entry__gate__station"))
            .annotate(journeys=Count("id"), won=Sum("charge"))
            .order_by()
        )

    def incomplete_by_gate(self, line: str = "") -> list[dict[str, Any]]:
        """Journeys that were incomplete at some time, per station where the gates saw the rider
        (``k_line``, ``k_station``: the entry of one that lacked its exit, the exit of one that
        lacked its entry), what was missing (``missing``: exit | entry) and how it ended
        (``outcome``), with ``n`` and the charges ``won`` (docs/metro-riders.md "Operator reports"):

        - ``pattern`` / ``maximum``: still incomplete, charged the fare to the rider's usual other
          end (``completed_with`` in the breakdown) or the maximum fare;
        - ``correction``: completed by the rider (the missing tap has source ``rider``);
        - ``late_tap``: completed by a gate's tap received after the journey had been incomplete:
          an exit received in a later batch than the entry and more than 5 hours after the entry,
          or an entry received in a later batch than the exit (a batch: taps within a second).

        Read from the events (as the journeys are), so a rebuild gives the same counts."""

        def plus(field: str, delta: timedelta) -> Any:
            return ExpressionWrapper(F(field) + delta, output_field=models.DateTimeField())

        late_exit = Q(exit__received_at__gt=plus("entry__at", MAX_JOURNEY)) & Q(
            exit__received_at__gt=plus("entry__received_at", SAME_BATCH)
        )
        late_entry = Q(entry__received_at__gt=plus("exit__received_at", SAME_BATCH))
        by_rider = Q(entry__source=GateEvent.Source.RIDER) | Q(exit__source=GateEvent.Source.RIDER)
        incomplete = Q(status__in=[Journey.Status.NO_EXIT, Journey.Status.NO_ENTRY])
        completed = Q(status=Journey.Status.COMPLETE) & (by_rider | late_exit | late_entry)
        lacked_entry = Q(status=Journey.Status.NO_ENTRY) | Q(entry__source=GateEvent.Source.RIDER) | late_entry
        known = {
            col: Case(
                When(lacked_entry, then=F(f"exit__gate__{col}")),
                default=Coalesce(F(f"entry__gate__{col}"), F(f"exit__gate__{col}")),
                output_field=models.CharField(),
            )
            for col in ("line", "station")
        }
        rows = self.filter(incomplete | completed, superseded=False).annotate(
            k_line=known["line"],
            k_station=known["station"],
            outcome=Case(
                When(incomplete & Q(breakdown__has_key="completed_with"), then=Value("pattern")),
                When(incomplete, then=Value("maximum")),
                When(by_rider, then=Value("correction")),
                default=Value("late_tap"),
                output_field=models.CharField(),
            ),
            missing=Case(
                When(status=Journey.Status.NO_ENTRY, then=Value("entry")),
                When(status=Journey.Status.NO_EXIT, then=Value("exit")),
                When(entry__source=GateEvent.Source.RIDER, then=Value("entry")),
                When(late_entry & ~Q(exit__source=GateEvent.Source.RIDER), then=Value("entry")),
                default=Value("exit"),
                output_field=models.CharField(),
            ),
        )
        if line:
            rows = rows.filter(k_line=line)
        return list(
            rows.values("k_line", "k_station", "outcome", "missing")
            .annotate(n=Count("id"), won=Sum("charge"))
            .order_by()
        )


class Journey(models.Model):
    """A journey derived from gate events; rebuilt whenever the rider's events change."""

    class Status(models.TextChoices):
        COMPLETE = "complete", _("Complete")
        IN_PROGRESS = "in_progress", _("In progress")
        NO_EXIT = "incomplete_no_exit", _("No exit recorded")
        NO_ENTRY = "incomplete_no_entry", _("No entry recorded")

    key = models.CharField(max_length=64, unique=True)
    rider = models.ForeignKey(Rider, on_delete=models.PROTECT, related_name="journeys")
    status = models.CharField(max_length=24, choices=Status.choices)
    entry = models.ForeignKey(GateEvent, null=True, on_delete=models.PROTECT, related_name="+")
    exit = models.ForeignKey(GateEvent, null=True, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(db_index=True)
    fare = models.PositiveIntegerField(default=0)
    charge = models.PositiveIntegerField(default=0)
    breakdown = models.JSONField(default=dict)
    superseded = models.BooleanField(default=False, help_text="no longer produced by the events (charge reversed)")

    objects = JourneyQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.key

    @property
    def has_open_dispute(self) -> bool:
        return any(d.status == Dispute.Status.OPEN for d in self.disputes.all())

    @property
    def refundable(self) -> int:
        """What is left to refund: the charge less refunds already granted."""
        return max(0, self.charge - sum(d.refund for d in self.disputes.all()))


class LedgerTransaction(models.Model):
    """A balanced double-entry transaction; ``key`` makes posting it idempotent."""

    class Kind(models.TextChoices):
        CHARGE = "charge", _("Journey charge")
        REFUND = "refund", _("Refund")
        PASS = "pass", _("Pass purchase")
        PAYMENT = "payment", _("Payment from card")
        PAYOUT = "payout", _("Refund to card")

    key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    rider = models.ForeignKey(Rider, on_delete=models.PROTECT, related_name="transactions")
    journey_key = models.CharField(max_length=64, blank=True, db_index=True)
    amount = models.IntegerField(help_text="what the rider is charged by this transaction (negative: returned)")
    memo = models.CharField(max_length=200, blank=True)
    posted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["posted_at", "id"]

    def __str__(self) -> str:
        return self.key


class LedgerEntry(models.Model):
    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    account = models.CharField(max_length=40, db_index=True)
    amount = models.IntegerField(help_text="debit positive, credit negative")

    def __str__(self) -> str:
        return f"{self.account} {self.amount:+}"


class DisputeQuerySet(models.QuerySet["Dispute"]):
    def visible_to(self, user: Any) -> DisputeQuerySet:
        """A rider's own disputes; every dispute for those who handle disputes."""
        if handles_disputes(user):
            return self
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(rider__user=user)


class Dispute(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        REFUNDED = "refunded", _("Refunded")
        REJECTED = "rejected", _("Rejected")

    journey = models.ForeignKey(Journey, on_delete=models.PROTECT, related_name="disputes")
    rider = models.ForeignKey(Rider, on_delete=models.PROTECT, related_name="disputes")
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    refund = models.PositiveIntegerField(default=0)
    resolution = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    automatic = models.BooleanField(default=False, help_text="decided by the platform from the ledger, not by staff")

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["journey"], condition=Q(status="open"), name="one_open_dispute_per_journey")
        ]

    def __str__(self) -> str:
        return f"dispute {self.pk} on {self.journey}"

    @property
    def resolution_text(self) -> str:
        """The decision as the reader reads it: staff's own words, or the rule that decided it."""
        if self.automatic:
            return str(AUTOMATIC_DECISIONS.get(self.resolution, self.resolution))
        return self.resolution


# Decisions the platform takes itself (actions/disputes.py), by the code kept as the resolution.
AUTOMATIC_DECISIONS = {
    "double_read": _("Refunded automatically: the records show one passage read twice."),
}


class TaglessWindow(models.Model):
    """One phone's window of beacon readings, posted by a gate controller, kept by its window id
    with what the detector decided: replays are recognised by the content hash, and the
    decision stays visible. The readings themselves are not kept.

    A refused window keeps no rider (like :class:`FlaggedPassage`): the refusal says nothing
    reliable about who passed.
    """

    class Outcome(models.TextChoices):
        CHARGED = "charged", _("Passage recorded")
        MERGED = "merged", _("Same passage as an earlier window")
        REFUSED = "refused", _("Refused, sent to fallback")

    window_id = models.CharField(max_length=64, unique=True)
    content_hash = models.CharField(max_length=64)
    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="windows")
    rider = models.ForeignKey(Rider, null=True, blank=True, on_delete=models.PROTECT, related_name="tagless_windows")
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    reason = models.CharField(max_length=40, blank=True)
    lane = models.PositiveSmallIntegerField(null=True, blank=True)
    direction = models.CharField(max_length=3, blank=True)
    at = models.DateTimeField(db_index=True, help_text="the crossing time, or the window start when there is none")
    event_id = models.CharField(max_length=64, blank=True, help_text="the gate event or flagged passage it produced")
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.window_id


class RevenueRollup(models.Model):
    """One day's charged revenue as summed at ``computed_at`` (``actions.roll_up_revenue``), so
    that the operations page does not re-read millions of journeys per view. No personal data."""

    day = models.DateField(unique=True, help_text="Seoul-local day the journeys started")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"revenue of {self.day}"


class RevenueRollupRow(models.Model):
    """A day's journeys and revenue at one entry station of one line."""

    rollup = models.ForeignKey(RevenueRollup, on_delete=models.CASCADE, related_name="rows")
    line = models.CharField(max_length=10)
    station = models.CharField(max_length=60)
    journeys = models.PositiveIntegerField()
    won = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rollup", "line", "station"], name="one_rollup_row_per_gate")]

    def __str__(self) -> str:
        return f"{self.rollup.day} {self.line} {self.station}"


class IncompleteRollupRow(models.Model):
    """A day's incomplete journeys at one station of one line, by what was missing and how they
    ended (``JourneyQuerySet.incomplete_by_gate``), summed with the day's revenue
    (``actions.roll_up_revenue``) for the operator reports. No personal data."""

    rollup = models.ForeignKey(RevenueRollup, on_delete=models.CASCADE, related_name="incomplete")
    line = models.CharField(max_length=10)
    station = models.CharField(max_length=60)
    missing = models.CharField(max_length=5)
    outcome = models.CharField(max_length=10)
    journeys = models.PositiveIntegerField()
    won = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rollup", "line", "station", "missing", "outcome"], name="one_incomplete_row_per_gate"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rollup.day} {self.line} {self.station} {self.outcome}"


class GateHourRollup(models.Model):
    """One closed hour of gate activity as counted at ``computed_at``
    (``actions.roll_up_gate_hours``), so that gate health does not re-count a day of events per
    view. No personal data."""

    hour = models.DateTimeField(unique=True, help_text="start of the hour")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["hour"]

    def __str__(self) -> str:
        return f"gate activity of {self.hour:%Y-%m-%d %H}h"


class GateHourCount(models.Model):
    """An hour's events and flagged passages at one gate array (gates without any have no row)."""

    rollup = models.ForeignKey(GateHourRollup, on_delete=models.CASCADE, related_name="counts")
    gate = models.ForeignKey(Gate, on_delete=models.CASCADE, related_name="+")
    events = models.PositiveIntegerField()
    flagged = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rollup", "gate"], name="one_count_per_gate_and_hour")]

    def __str__(self) -> str:
        return f"{self.rollup} {self.gate_id}"


def activity_by_gate(q: Q) -> tuple[dict[int, int], dict[int, int]]:
    """Gate events and flagged passages per gate id whose ``at`` matches ``q``: two grouped
    counts (joining both to the gates would multiply a gate's events by its flags)."""

    def count(model: type[models.Model]) -> dict[int, int]:
        rows = model._default_manager.filter(q).order_by().values("gate").annotate(n=Count("id"))
        return dict(rows.values_list("gate", "n"))

    return count(GateEvent), count(FlaggedPassage)


# --- rider accounts and money (docs/metro-riders.md) ------------------------------------------


class Consent(models.Model):
    """A consent the rider gave, kept with its version; withdrawing sets ``withdrawn_at`` (a new
    consent is a new row, so the history stays)."""

    class Kind(models.TextChoices):
        TERMS = "terms", _("Terms of service")
        LOCATION = "location", _("Location data for tagless gates")

    rider = models.ForeignKey(Rider, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    version = models.CharField(max_length=20)
    given_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["given_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rider", "kind"], condition=Q(withdrawn_at__isnull=True), name="one_live_consent_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rider} {self.kind} {self.version}"


class Device(models.Model):
    """A phone of the rider, with the tagless token it presents at gates. Only a SHA-256 hash of
    the token is kept (the phone holds the token); a revoked device stays for the history."""

    class Revoked(models.TextChoices):
        LOST = "lost", _("Reported lost")
        REPLACED = "replaced", _("Replaced by a new phone")
        CONSENT = "consent", _("Location consent withdrawn")
        CLOSED = "closed", _("Account closed")

    rider = models.ForeignKey(Rider, on_delete=models.CASCADE, related_name="devices")
    label = models.CharField(max_length=60)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=10)
    issued_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=10, choices=Revoked.choices, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.label} ({self.prefix}…)"


class Entitlement(models.Model):
    """Free travel verified by the public-data service (65+, disability, national merit), until
    ``valid_until``; re-verified after it."""

    class Kind(models.TextChoices):
        SENIOR = "senior", _("65 and over")
        DISABLED = "disabled", _("Person with a disability")
        MERIT = "merit", _("National merit")

    rider = models.ForeignKey(Rider, on_delete=models.CASCADE, related_name="entitlements")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    valid_until = models.DateField()
    verified_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rider", "kind"], name="one_entitlement_per_kind")]

    def __str__(self) -> str:
        return f"{self.rider} {self.kind} until {self.valid_until}"


class PaymentCard(models.Model):
    """A card registered at the payment gateway: the platform keeps the gateway's token (encrypted)
    and what a person recognises the card by, never the card number."""

    rider = models.ForeignKey(Rider, on_delete=models.PROTECT, related_name="cards")
    token = EncryptedTextField()
    brand = models.CharField(max_length=30)
    last4 = models.CharField(max_length=4)
    expires = models.CharField(max_length=7, help_text="YYYY-MM")
    registered_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rider"], condition=Q(removed_at__isnull=True), name="one_card_per_rider")
        ]

    def __str__(self) -> str:
        return f"{self.brand} ····{self.last4}"


class CardSession(models.Model):
    """A card registration under way at the gateway's hosted page (the browser comes back with
    the session id, which must be one this rider started)."""

    rider = models.ForeignKey(Rider, on_delete=models.CASCADE, related_name="card_sessions")
    session_id = models.CharField(max_length=100, unique=True)
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.session_id


class Payment(models.Model):
    """Money asked of the rider's card through the gateway (a top-up, a daily settlement, paying a
    debt) or returned to it (a payout). ``key`` is the idempotency key sent to the gateway: a
    retry, a double click or a replayed request is the same payment. Captured money is posted to
    the ledger once, under ``pay:<key>``."""

    class Purpose(models.TextChoices):
        TOP_UP = "top_up", _("Top-up")
        SETTLEMENT = "settlement", _("Daily settlement")
        DEBT = "debt", _("Payment of an unpaid balance")
        PAYOUT = "payout", _("Refund to card")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the card company")
        CAPTURED = "captured", _("Paid")
        DECLINED = "declined", _("Declined")
        REFUNDED = "refunded", _("Refunded to card")
        FAILED = "failed", _("Not sent")

    rider = models.ForeignKey(Rider, on_delete=models.PROTECT, related_name="payments")
    card = models.ForeignKey(PaymentCard, on_delete=models.PROTECT, related_name="payments")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    amount = models.PositiveIntegerField()
    key = models.CharField(max_length=100, unique=True)
    gateway_id = models.CharField(max_length=100, blank=True, db_index=True)
    refund_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="payouts")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decline_code = models.CharField(max_length=40, blank=True)
    day = models.DateField(null=True, blank=True, help_text="the Seoul-local day a settlement covers")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rider", "day"], condition=Q(purpose="settlement"), name="one_settlement_per_rider_and_day"
            )
        ]

    def __str__(self) -> str:
        return self.key


class DenyListing(models.Model):
    """The rider's account refused at tagless gates after a declined settlement, until the
    unpaid balance is paid (``cleared_at``)."""

    rider = models.ForeignKey(Rider, on_delete=models.PROTECT, related_name="deny_listings")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="+")
    listed_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-listed_at"]
        constraints = [
            models.UniqueConstraint(fields=["rider"], condition=Q(cleared_at__isnull=True), name="one_open_listing")
        ]

    def __str__(self) -> str:
        return f"{self.rider} denied since {self.listed_at:%Y-%m-%d}"


class GatewayWebhook(models.Model):
    """A webhook the gateway sent, accepted once by its event id (a second delivery is a duplicate)."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=40)
    payment_key = models.CharField(max_length=100, blank=True)
    content_hash = models.CharField(max_length=64)
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.event_id


class Reconciliation(models.Model):
    """One comparison of a day's money movements in the ledger with the gateway's report."""

    day = models.DateField()
    ran_at = models.DateTimeField()
    ledger_total = models.BigIntegerField()
    gateway_total = models.BigIntegerField()
    matched = models.PositiveIntegerField()

    class Meta:
        ordering = ["-day", "-ran_at"]

    def __str__(self) -> str:
        return f"reconciliation of {self.day}"


class ReconciliationDifference(models.Model):
    class Kind(models.TextChoices):
        MISSING_IN_LEDGER = "missing_in_ledger", _("At the gateway, not in the ledger")
        MISSING_AT_GATEWAY = "missing_at_gateway", _("In the ledger, not at the gateway")
        AMOUNT = "amount", _("Different amounts")

    run = models.ForeignKey(Reconciliation, on_delete=models.CASCADE, related_name="differences")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reference = models.CharField(max_length=100)
    ledger_amount = models.BigIntegerField(null=True)
    gateway_amount = models.BigIntegerField(null=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}"


class Notification(models.Model):
    """A message to the rider (shown in the app and, when asked, texted), once per ``key``.
    What it says is kept as a kind and parameters and worded in the reader's language."""

    class Kind(models.TextChoices):
        LARGE_CHARGE = "large_charge", _("A large charge")
        INCOMPLETE = "incomplete", _("A journey without an exit or entry")
        REFUND = "refund", _("A refund")
        DECLINED = "declined", _("A card payment was declined")
        DENIED = "denied", _("Tagless gates stopped for your account")
        CLEARED = "cleared", _("Tagless gates open again")
        TOP_UP = "top_up", _("A top-up")

    rider = models.ForeignKey(Rider, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    key = models.CharField(max_length=120, unique=True)
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField(db_index=True)
    texted = models.CharField(max_length=8, blank=True, help_text="sent | failed | '' (not texted)")
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.key


# --- smart train: sensors, alerts and maintenance work orders (docs/metro-maintenance.md) ---------


def maintains_trains(user: Any, *, role: str = Role.VIEWER) -> bool:
    """Staff of the operating institution (서울교통공사) holding a metro role of at least ``role``,
    and platform admins: the rolling stock and track are Seoul Metro's."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_platform_admin:
        return True
    if not user.has_role(Service.METRO, role) or user.institution_id is None:
        return False
    return bool(user.institution.code == OPERATOR_INSTITUTION)


class AssetQuerySet(models.QuerySet["Asset"]):
    def visible_to(self, user: Any) -> AssetQuerySet:
        return self if maintains_trains(user) else self.none()


class Asset(models.Model):
    """A thing that is maintained: a train set, one of its cars, a bogie of a car, or a section
    of track. Sensors belong to the asset they measure; a history is kept per asset."""

    class Kind(models.TextChoices):
        TRAIN = "train", _("Train set")
        CAR = "car", _("Car")
        BOGIE = "bogie", _("Bogie")
        TRACK = "track", _("Track section")

    kind = models.CharField(max_length=5, choices=Kind.choices)
    code = models.CharField(max_length=40, unique=True, help_text="the operator's own number, e.g. 2-51 or 2-51-3-B1")
    line = models.CharField(max_length=4, help_text="line code as in the network, e.g. 2")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="parts")
    false_alarms = models.PositiveIntegerField(
        default=0, help_text="work orders closed as false alarms: each raises the alert threshold of its sensors"
    )

    objects = AssetQuerySet.as_manager()

    class Meta:
        ordering = ["line", "code"]

    def __str__(self) -> str:
        return self.code

    def lineage(self) -> list[Asset]:
        """This asset and the ones it is part of, outermost first."""
        chain: list[Asset] = []
        node: Asset | None = self
        while node is not None and len(chain) < 8:
            chain.append(node)
            node = node.parent
        return chain[::-1]


class SensorDevice(models.Model):
    """An on-board or trackside unit that posts sensor readings with its own token. Only a
    SHA-256 hash of the token is kept; a device may post only for the sensors assigned to it."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="devices")
    name = models.CharField(max_length=60)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=10)
    issued_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Sensor(models.Model):
    """One measured quantity of an asset, with its physical range (the detector's bands span
    it), its detector and health state between batches (``engine/maintenance/state.py``) and
    when it was last heard from."""

    class Kind(models.TextChoices):
        BEARING_TEMPERATURE = "bearing_temperature", _("Bearing temperature")
        VIBRATION = "vibration", _("Vibration")
        MOTOR_CURRENT = "motor_current", _("Traction motor current")
        COMPRESSOR_PRESSURE = "compressor_pressure", _("Compressor pressure")
        DOOR_CYCLE = "door_cycle", _("Door cycle time")
        TRACK_GEOMETRY = "track_geometry", _("Track geometry")

    UNITS = {
        Kind.BEARING_TEMPERATURE: "°C",
        Kind.VIBRATION: "mm/s",
        Kind.MOTOR_CURRENT: "A",
        Kind.COMPRESSOR_PRESSURE: "kPa",
        Kind.DOOR_CYCLE: "s",
        Kind.TRACK_GEOMETRY: "mm",
    }

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="sensors")
    device = models.ForeignKey(SensorDevice, on_delete=models.PROTECT, related_name="sensors")
    code = models.CharField(max_length=60, unique=True, help_text="what the device calls it in its batches")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    low = models.FloatField(help_text="the bottom of the sensor's physical range")
    high = models.FloatField(help_text="the top of the sensor's physical range")
    readings = models.PositiveBigIntegerField(default=0)
    last_reading_at = models.DateTimeField(null=True, blank=True)
    detector_state = models.BinaryField(default=b"")
    health_state = models.BinaryField(default=b"")

    class Meta:
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=Q(high__gt=F("low")), name="sensor_range_not_empty")]

    def __str__(self) -> str:
        return self.code

    @property
    def unit(self) -> str:
        return self.UNITS.get(self.Kind(self.kind), "")


class WorkOrderQuerySet(models.QuerySet["WorkOrder"]):
    def visible_to(self, user: Any) -> WorkOrderQuerySet:
        return self if maintains_trains(user) else self.none()


class WorkOrder(models.Model):
    """What an alert becomes: one order per sensor and kind of alert while it is not closed
    (later alerts of the same kind are counted on it, not opened again), taken by staff from
    acknowledged through inspection to a finding, and closed. Its evidence (the readings and
    scores up to the first alert) stays with it after the readings leave the store."""

    class Kind(models.TextChoices):
        ANOMALY = "anomaly", _("Unusual readings")
        STUCK = "stuck", _("Sensor stuck on one value")
        SILENT = "silent", _("Sensor stopped sending")

    class Severity(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    class Status(models.TextChoices):
        OPEN = "open", _("New")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        INSPECTING = "inspecting", _("Being inspected")
        CLOSED = "closed", pgettext_lazy("maintenance", "Closed")

    class Finding(models.TextChoices):
        REAL_FAULT = "real_fault", _("Real fault")
        FALSE_ALARM = "false_alarm", _("False alarm")
        PLANNED = "planned", _("Planned work")

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="work_orders")
    sensor = models.ForeignKey(Sensor, on_delete=models.PROTECT, related_name="work_orders")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    severity = models.CharField(max_length=6, choices=Severity.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField()
    first_alert_at = models.DateTimeField()
    last_alert_at = models.DateTimeField()
    alerts = models.PositiveIntegerField(default=1)
    due_at = models.DateTimeField(db_index=True)
    score = models.FloatField()
    evidence = models.JSONField(default=list, help_text="[[epoch seconds, value, score], ...] up to the first alert")
    finding = models.CharField(max_length=11, choices=Finding.choices, blank=True)
    note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sensor", "kind"], condition=~Q(status="closed"), name="one_open_order_per_sensor_and_kind"
            )
        ]

    def __str__(self) -> str:
        return f"work order {self.pk} ({self.kind} on {self.sensor_id})"


class WorkOrderEvent(models.Model):
    """The history of a work order: every step, by whom and when; never rewritten."""

    class Action(models.TextChoices):
        OPENED = "opened", _("Opened by an alert")
        REPEATED = "repeated", _("Alerted again")
        ESCALATED = "escalated", _("Severity raised")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        INSPECTING = "inspecting", _("Inspection started")
        CLOSED = "closed", _("Finding recorded and closed")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    action = models.CharField(max_length=12, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} on work order {self.order_id}"
