"""Transactional state of the Electronic Document Center: departments and who works in them,
records with their files, pages and pipeline steps, and corrections of registration data.

Writes go through ``actions``. Scope is decided here (:meth:`RecordQuerySet.visible_to`):
records officers (approvers) and administrators see every record; other staff see open
records and every record of the departments they are posted to.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from seoul.core.models import Named
from seoul.core.roles import Role, Service
from seoul.records import labels
from seoul.records.engine import requests as requests_rules
from seoul.records.engine import rules
from seoul.records.engine.rules import Disclosure, Retention

RETENTION_CHOICES = [
    (Retention.PERMANENT.value, _("Permanent")),
    (Retention.SEMI_PERMANENT.value, _("Semi-permanent")),
    (Retention.YEARS_30.value, _("30 years")),
    (Retention.YEARS_10.value, _("10 years")),
    (Retention.YEARS_5.value, _("5 years")),
    (Retention.YEARS_3.value, _("3 years")),
    (Retention.YEARS_1.value, _("1 year")),
]
DISCLOSURE_CHOICES = [
    (Disclosure.OPEN.value, pgettext_lazy("records", "Open")),
    (Disclosure.PARTIAL.value, _("Partly open")),
    (Disclosure.CLOSED.value, pgettext_lazy("records", "Closed")),
]


class Department(Named):
    """A processing department (처리과) with its seven-digit institution code."""

    code = models.CharField(max_length=7, unique=True)
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["code"]


class DocumentType(Named):
    """A kind of record (report, minutes, contract...) with the retention it usually gets."""

    code = models.SlugField(max_length=32, unique=True)
    retention = models.CharField(max_length=16, choices=RETENTION_CHOICES, default=Retention.YEARS_10.value)

    class Meta:
        ordering = ["code"]


class Post(models.Model):
    """A staff member works in (and registers records for) a department."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="records_posts")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="posts")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "department"], name="records_post_once")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.department}"


def departments_of(user: Any) -> models.QuerySet[Department]:
    """Departments ``user`` registers for (all of them for records officers and administrators)."""
    if user is None or not user.is_authenticated or not user.has_role(Service.RECORDS, Role.VIEWER):
        return Department.objects.none()
    if user.has_role(Service.RECORDS, Role.APPROVER):
        return Department.objects.all()
    return Department.objects.filter(posts__user=user).distinct()


def audiences_of(user: Any) -> frozenset[str] | None:
    """The index's audience words a reader holds; None means every record (records officers)."""
    if user is None or not user.is_authenticated or not user.has_role(Service.RECORDS, Role.VIEWER):
        return frozenset()
    if user.has_role(Service.RECORDS, Role.APPROVER):
        return None
    return frozenset({"staff", *(f"dept:{code}" for code in departments_of(user).values_list("code", flat=True))})


class Batch(models.Model):
    """Files received together (an upload, a scanner folder, a command), with their progress."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Upload")
        FOLDER = "folder", _("Scanner folder")
        COMMAND = "command", _("Command line")

    source = models.CharField(max_length=16, choices=Source.choices)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    files = models.PositiveIntegerField(default=0)
    pages_total = models.PositiveIntegerField(default=0)
    pages_done = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.files} files)"


class RecordQuerySet(models.QuerySet["Record"]):
    def visible_to(self, user: Any) -> RecordQuerySet:
        """What ``user`` may find and open: records officers everything; staff open records and
        those of their departments; nobody a destroyed record's files (the row stays)."""
        audiences = audiences_of(user)
        if audiences is None:
            return self.all()
        if not audiences:
            return self.none()
        departments = [a.removeprefix("dept:") for a in audiences if a.startswith("dept:")]
        return self.filter(
            Q(status=Record.Status.REGISTERED, disclosure=Disclosure.OPEN.value) | Q(department__code__in=departments)
        )


class Record(models.Model):
    """One document: received, read, kept in an archive copy beside its original, registered.

    Registration data (number, title, dates, department, type, retention, disclosure) changes
    after registration only through a records officer's correction, kept in :class:`Correction`.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("records", "Received")
        PROCESSING = "processing", _("Being read")
        READY = "ready", _("Ready to register")
        REGISTERED = "registered", _("Registered")
        REFUSED = "refused", _("Refused")
        DESTROYED = "destroyed", _("Destroyed")

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.PROTECT, related_name="records")
    source_name = models.CharField(max_length=255, help_text="the file's name as received")
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="when a worker began reading it")
    sha256 = models.CharField(max_length=64, blank=True, db_index=True, help_text="of the original as received")
    pages = models.PositiveIntegerField(default=0)
    refusal_code = models.CharField(max_length=32, blank=True)
    refusal_reason = models.TextField(blank=True)

    # registration data
    registration_number = models.CharField(max_length=32, unique=True, null=True, blank=True)
    serial_year = models.PositiveIntegerField(null=True, blank=True)
    serial = models.PositiveIntegerField(null=True, blank=True)
    title = models.CharField(max_length=200, blank=True)
    produced_on = models.DateField(null=True, blank=True)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="records")
    doc_type = models.ForeignKey(DocumentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    suggested_type = models.ForeignKey(DocumentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    completed_year = models.PositiveIntegerField(null=True, blank=True, help_text="year the work was completed")
    retention = models.CharField(max_length=16, choices=RETENTION_CHOICES, blank=True)
    disclosure = models.CharField(max_length=16, choices=DISCLOSURE_CHOICES, blank=True)
    exemptions = models.JSONField(default=list, blank=True, help_text="정보공개법 §9① numbers")
    disclosure_review_on = models.DateField(null=True, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # digitised paper: how the scan was made
    digitised_on = models.DateField(null=True, blank=True)
    device = models.CharField(max_length=100, blank=True)
    dpi = models.PositiveIntegerField(null=True, blank=True)
    operator = models.CharField(max_length=100, blank=True)
    ocr_engine = models.CharField(max_length=120, blank=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["department", "serial_year", "serial"],
                name="records_serial_per_department_and_year",
                condition=Q(serial__isnull=False),
            )
        ]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return self.registration_number or self.source_name

    @property
    def retention_ends(self) -> date | None:
        if not self.retention or self.completed_year is None:
            return None
        return rules.retention_ends(Retention(self.retention), self.completed_year)

    @property
    def disclosure_label(self) -> str:
        if not self.disclosure:
            return ""
        return rules.disclosure_label(Disclosure(self.disclosure), tuple(self.exemptions))

    @property
    def restricted(self) -> bool:
        """Partly open or closed: never downloaded, and outside the office shown only as page
        images (ADR 23)."""
        return self.disclosure != Disclosure.OPEN.value

    @property
    def refusal_text(self) -> str:
        return labels.refusal(self.refusal_code, self.refusal_reason)

    def audiences(self) -> frozenset[str]:
        """Who may find it in the index (see :func:`audiences_of`)."""
        own = {f"dept:{self.department.code}"} if self.department else set()
        return frozenset({*own, "staff"} if self.disclosure == Disclosure.OPEN.value else own)


class StoredFile(models.Model):
    """The untouched original or the PDF/A archive copy, in the storage, with its checksum."""

    class Role(models.TextChoices):
        ORIGINAL = "original", _("Original as received")
        ARCHIVE = "archive", _("Archive copy (PDF/A)")

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="files")
    role = models.CharField(max_length=16, choices=Role.choices)
    key = models.CharField(max_length=200, unique=True)
    media_type = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    mismatch_at = models.DateTimeField(null=True, blank=True)
    signature = models.JSONField(
        default=dict, blank=True, help_text="the archive copy's PAdES signature: signed_at, timestamp, tsa, signer"
    )
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record", "role"], name="records_one_file_per_role")]

    def __str__(self) -> str:
        return self.key

    @property
    def timestamped_at(self) -> datetime | None:
        """The timestamp authority's time on the archive copy's signature."""
        stamp = self.signature.get("timestamp") if isinstance(self.signature, dict) else None
        return datetime.fromisoformat(stamp) if stamp else None


class Page(models.Model):
    """A page's text as read (OCRmyPDF's sidecar), or why it could not be read."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="page_texts")
    number = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    ok = models.BooleanField(default=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["record", "number"]
        constraints = [models.UniqueConstraint(fields=["record", "number"], name="records_page_once")]

    def __str__(self) -> str:
        return f"{self.record} p.{self.number}"

    @property
    def reason_text(self) -> str:
        return labels.page_reason(self.reason)


class Step(models.Model):
    """One step of the consume pipeline for one record, as it happened."""

    class Name(models.TextChoices):
        RECEIVE = "receive", pgettext_lazy("records", "Received")
        PREFLIGHT = "preflight", _("Checked")
        OCR = "ocr", _("Read (OCR)")
        SIGN = "sign", _("Signed and timestamped")
        ARCHIVE = "archive", _("Archive copy stored")
        METADATA = "metadata", _("Description suggested")
        REGISTER = "register", _("Registered")
        INDEX = "index", _("Indexed for search")

    class Outcome(models.TextChoices):
        DONE = "done", _("Done")
        PARTIAL = "partial", _("Done in part")
        FAILED = "failed", _("Failed")

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=16, choices=Name.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["record", "started_at", "pk"]

    def __str__(self) -> str:
        return f"{self.record}: {self.name} {self.outcome}"

    @property
    def detail_text(self) -> str:
        """The detail in the reader's words where the pipeline wrote a code."""
        return labels.step_detail(self.name, self.detail, self.outcome)


class Correction(models.Model):
    """A change of registration data after registration: who, when, what, why (decree §20②)."""

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="corrections")
    field = models.CharField(max_length=32)
    old = models.JSONField(null=True)
    new = models.JSONField(null=True)
    reason = models.TextField()
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["record", "at"]

    def __str__(self) -> str:
        return f"{self.record}: {self.field}"

    @property
    def field_label(self) -> str:
        return str(labels.FIELDS.get(self.field, self.field))

    @property
    def old_text(self) -> str:
        return labels.field_value(self.field, self.old)

    @property
    def new_text(self) -> str:
        return labels.field_value(self.field, self.new)


class DisposalReview(models.Model):
    """The yearly review of records whose retention has ended: the records
    officer lists them and gives an opinion; the review committee decides each one; only then is
    anything destroyed, kept longer or re-classified."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the committee")
        DECIDED = "decided", _("Decided by the committee")
        DONE = "done", _("Carried out")

    year = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    meeting_on = models.DateField(null=True, blank=True, help_text="the committee's meeting")
    minutes = models.CharField(max_length=100, blank=True, help_text="reference of the committee's minutes")
    members = models.CharField(max_length=300, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "-opened_at"]

    def __str__(self) -> str:
        return f"disposal review {self.year}"


class DisposalItem(models.Model):
    """One record in a review: the committee's decision and, once carried out, the destruction
    record (the registration data stays on the record)."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Not decided")
        DESTROY = "destroy", _("Destroy")
        KEEP = "keep", _("Keep longer")
        RECLASSIFY = "reclassify", _("Re-classify")

    review = models.ForeignKey(DisposalReview, on_delete=models.PROTECT, related_name="items")
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="disposals")
    retention_ended = models.DateField()
    decision = models.CharField(max_length=16, choices=Decision.choices, default=Decision.PENDING)
    new_retention = models.CharField(max_length=16, choices=RETENTION_CHOICES, blank=True)
    reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    carried_out_at = models.DateTimeField(null=True, blank=True)
    files_removed = models.JSONField(default=list, blank=True, help_text="keys and checksums of the files destroyed")

    class Meta:
        ordering = ["review", "record"]
        constraints = [models.UniqueConstraint(fields=["review", "record"], name="records_disposal_item_once")]

    def __str__(self) -> str:
        return f"{self.review}: {self.record}"


class ShareLink(models.Model):
    """A time-limited, revocable, view-only link to one record for the staff of another
    institution. Only the token's SHA-256 is kept; the link itself is shown once, to its maker."""

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="share_links")
    institution = models.ForeignKey("core.Institution", on_delete=models.PROTECT, related_name="+")
    token_sha256 = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    views = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.record} → {self.institution}"

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


class DisclosureRequest(models.Model):
    """A citizen's request for information (정보공개 청구) to a department: decided within the
    legal period (extendable once), with its legal ground; what is disclosed is delivered as a
    file, the exempt parts painted out of the page images (``engine/redaction``)."""

    class Decision(models.TextChoices):
        PENDING = requests_rules.Decision.PENDING.value, _("Not decided yet")
        FULL = requests_rules.Decision.FULL.value, _("Disclosed in full")
        PARTIAL = requests_rules.Decision.PARTIAL.value, _("Disclosed in part")
        REFUSED = requests_rules.Decision.REFUSED.value, _("Not disclosed")
        NOT_HELD = requests_rules.Decision.NOT_HELD.value, _("Information not held")

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="disclosure_requests")
    content = models.TextField(help_text="the information asked for, in the requester's words")
    purpose = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField()
    due_on = models.DateField()
    extended_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    record = models.ForeignKey(
        Record, null=True, blank=True, on_delete=models.PROTECT, related_name="disclosure_requests"
    )
    decision = models.CharField(max_length=16, choices=Decision.choices, default=Decision.PENDING, db_index=True)
    exemptions = models.JSONField(default=list, blank=True, help_text="정보공개법 §9① numbers")
    explanation = models.TextField(blank=True, help_text="what the requester is told, with the decision")
    ground = models.CharField(max_length=300, blank=True, help_text="the legal ground of the decision")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    redactions = models.JSONField(default=dict, blank=True, help_text="page → boxes painted out; words painted out")
    file_key = models.CharField(max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    file_removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"disclosure request {self.pk}"

    @property
    def overdue(self) -> bool:
        return self.decision == self.Decision.PENDING and timezone.localdate() > self.due_on
