"""Requests for information (정보공개 청구): a citizen files one with a department; the
department decides within the legal period (``engine/requests``), extended at most once with a
reason; a full or partial disclosure is delivered as a file (the exempt parts painted out of
the page images for a partial one); every decision keeps its legal ground."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.core.validation import check_text
from seoul.records.engine import redaction
from seoul.records.engine import requests as rules
from seoul.records.engine.redaction import Box
from seoul.records.errors import RecordsError
from seoul.records.events import RecordsEvent
from seoul.records.models import Department, DisclosureRequest, Record, StoredFile, departments_of
from seoul.records.storage import storage

GROUND_ERRORS = {
    "unknown_item": RecordsError.EXEMPTION_NEEDED,
    "needs_ground": RecordsError.DECISION_NEEDS_GROUND,
    "no_ground": RecordsError.DECISION_WITHOUT_GROUND,
}


def file_request(requester: User, department: Department, *, content: str, purpose: str = "") -> DisclosureRequest:
    if requester.kind != User.Kind.CITIZEN:
        raise RecordsError.CITIZENS_ONLY.denied()
    content = check_text(content, "content", max_length=4000, min_length=10, multiline=True)
    purpose = check_text(purpose, "purpose", max_length=300, min_length=0) if purpose else ""
    now = timezone.now()
    with transaction.atomic():
        request = DisclosureRequest.objects.create(
            requester=requester,
            department=department,
            content=content,
            purpose=purpose,
            received_at=now,
            due_on=rules.decision_due(timezone.localdate(now)),
        )
        audit.record(RecordsEvent.REQUEST_FILED, target=request, new={"department": department.code}, actor=requester)
    return request


def _handler(request: DisclosureRequest, actor: User) -> None:
    if not departments_of(actor).filter(pk=request.department_id).exists():
        raise RecordsError.NOT_YOUR_DEPARTMENT.denied()


def _pending(request_id: int) -> DisclosureRequest:
    locked = DisclosureRequest.objects.select_for_update().get(pk=request_id)
    if locked.decision != DisclosureRequest.Decision.PENDING:
        raise RecordsError.REQUEST_DECIDED.error()
    return locked


def extend(request: DisclosureRequest, *, reason: str, actor: User) -> DisclosureRequest:
    """Extend the period once by 10 days (§11②), before it ends; the reason is told to the requester."""
    _handler(request, actor)
    reason = check_text(reason, "reason", max_length=1000, min_length=5, multiline=True)
    with transaction.atomic():
        locked = _pending(request.pk)
        if locked.extended_at is not None:
            raise RecordsError.EXTENDED_ONCE.error()
        if timezone.localdate() > locked.due_on:
            raise RecordsError.EXTEND_BEFORE_DUE.error()
        locked.extended_at = timezone.now()
        locked.extension_reason = reason
        locked.due_on = rules.decision_due(timezone.localdate(locked.received_at), extended=True)
        locked.save(update_fields=["extended_at", "extension_reason", "due_on"])
        audit.record(
            RecordsEvent.REQUEST_EXTENDED,
            target=locked,
            new={"due_on": locked.due_on.isoformat()},
            reason=reason,
            actor=actor,
        )
    return locked


@dataclass(frozen=True)
class Decision:
    decision: rules.Decision
    explanation: str
    exemptions: tuple[int, ...] = ()
    registration_number: str = ""
    boxes: str = ""  # "page: left top width height" per line, per cent
    words: Sequence[str] = field(default_factory=tuple)


def _record(number: str, actor: User) -> Record:
    found = (
        Record.objects.visible_to(actor)
        .filter(registration_number=number.strip(), status=Record.Status.REGISTERED)
        .first()
    )
    if found is None:
        raise RecordsError.RECORD_UNKNOWN.error("registration_number")
    return found


def _archive_bytes(record: Record) -> bytes:
    archive = record.files.filter(role=StoredFile.Role.ARCHIVE, destroyed_at__isnull=True).first()
    if archive is None:
        raise RecordsError.SHARE_NOT_SHAREABLE.error("registration_number")
    with storage().open(archive.key) as fh:
        return fh.read()


def decide(request: DisclosureRequest, data: Decision, *, actor: User) -> DisclosureRequest:
    """Record the department's decision with its legal ground and, for a disclosure, make the
    file the requester downloads."""
    _handler(request, actor)
    problem = rules.check_decision(data.decision, data.exemptions)
    if problem is not None:
        raise GROUND_ERRORS[problem].error("exemptions")
    explanation = check_text(data.explanation, "explanation", max_length=2000, min_length=5, multiline=True)
    record: Record | None = None
    delivered: bytes | None = None
    redactions: dict[str, object] = {}
    if data.decision in (rules.Decision.FULL, rules.Decision.PARTIAL, rules.Decision.REFUSED):
        if not data.registration_number.strip():
            raise RecordsError.RECORD_NEEDED.error("registration_number")
        record = _record(data.registration_number, actor)
    if record is not None and data.decision is rules.Decision.FULL:
        delivered = _archive_bytes(record)  # the signed archive copy as it is
    if record is not None and data.decision is rules.Decision.PARTIAL:
        try:
            boxes: dict[int, list[Box]] = redaction.parse_boxes(data.boxes, record.pages)
        except redaction.BoxError as exc:
            raise RecordsError.BAD_BOXES.error("boxes", line=exc.line, reason=exc.reason) from exc
        words = [w.strip() for w in data.words if w.strip()]
        if not boxes and not words:
            raise RecordsError.NOTHING_REMOVED.error("boxes")
        delivered, painted = redaction.redacted_pdf(_archive_bytes(record), boxes, phrases=words)
        redactions = {
            "boxes": {str(page): [vars(b) for b in found] for page, found in boxes.items()},
            "words": words,
            "painted": painted,
        }
    with transaction.atomic():
        locked = _pending(request.pk)
        if delivered is not None:
            key = f"disclosures/{locked.pk:08d}/disclosed.pdf"
            with tempfile.TemporaryDirectory(prefix="disclosure-") as folder:
                path = Path(folder) / "disclosed.pdf"
                path.write_bytes(delivered)
                storage().put(key, path, "application/pdf")
            locked.file_key = key
            locked.file_sha256 = hashlib.sha256(delivered).hexdigest()
            locked.file_size = len(delivered)
        locked.record = record
        locked.decision = data.decision.value
        locked.exemptions = sorted(set(data.exemptions))
        locked.explanation = explanation
        locked.ground = rules.legal_ground(data.decision, data.exemptions)
        locked.redactions = redactions
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.save()
        audit.record(
            RecordsEvent.REQUEST_DECIDED,
            target=locked,
            new={
                "decision": locked.decision,
                "ground": locked.ground,
                "record": record.registration_number if record else None,
                "file_sha256": locked.file_sha256 or None,
                "late": timezone.localdate() > locked.due_on,
            },
            actor=actor,
        )
    return locked


def delivered(request: DisclosureRequest, *, reader: User) -> bytes:
    """The disclosed file, for its requester (audited)."""
    if request.requester_id != reader.pk or not request.file_key or request.file_removed_at:
        raise RecordsError.CITIZENS_ONLY.denied()
    with storage().open(request.file_key) as fh:
        data = fh.read()
    audit.record(RecordsEvent.REQUEST_DELIVERED, target=request, actor=reader)
    return data
