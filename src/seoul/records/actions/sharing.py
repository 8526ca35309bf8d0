"""Share links: a registered record shown, view-only, to the staff of another institution for a
limited time (cloud standard model). The link carries a random token; only its SHA-256 is kept,
so a copy of the database opens nothing. Every view through a link is audited with the link."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import Institution, User
from seoul.core.roles import Role, Service
from seoul.core.validation import check_text
from seoul.records.errors import RecordsError
from seoul.records.events import RecordsEvent
from seoul.records.models import Record, ShareLink, StoredFile, departments_of


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_share(record: Record, user: User) -> bool:
    """Records officers, and staff registering for the record's department."""
    if record.status != Record.Status.REGISTERED:
        return False
    if user.has_role(Service.RECORDS, Role.APPROVER):
        return True
    return (
        user.has_role(Service.RECORDS, Role.OPERATOR)
        and record.department_id is not None
        and departments_of(user).filter(pk=record.department_id).exists()
    )


def share(record: Record, institution: Institution, *, days: int, reason: str, actor: User) -> tuple[ShareLink, str]:
    """A new link for ``institution``'s staff, working ``days`` days; returns it with its token
    (shown once: it is not kept)."""
    if not may_share(record, actor):
        raise RecordsError.NOT_YOUR_DEPARTMENT.denied()
    if not record.files.filter(role=StoredFile.Role.ARCHIVE, destroyed_at__isnull=True).exists():
        raise RecordsError.SHARE_NOT_SHAREABLE.error()
    if actor.institution_id is not None and institution.pk == actor.institution_id:
        raise RecordsError.SHARE_OWN_INSTITUTION.error("institution")
    longest = settings.SEOUL_RECORDS_SHARE_MAX_DAYS
    if not 1 <= days <= longest:
        raise RecordsError.SHARE_DAYS.error("days", days=longest)
    reason = check_text(reason, "reason", max_length=300, min_length=5)
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        link = ShareLink.objects.create(
            record=record,
            institution=institution,
            token_sha256=_digest(token),
            reason=reason,
            created_at=now,
            created_by=actor,
            expires_at=now + timedelta(days=days),
        )
        audit.record(
            RecordsEvent.SHARED,
            target=record,
            new={"link": link.pk, "institution": institution.code, "expires_at": link.expires_at.isoformat()},
            reason=reason,
            actor=actor,
        )
    return link, token


def revoke(link: ShareLink, *, actor: User) -> ShareLink:
    if not may_share(link.record, actor):
        raise RecordsError.NOT_YOUR_DEPARTMENT.denied()
    with transaction.atomic():
        locked = ShareLink.objects.select_for_update().get(pk=link.pk)
        if locked.revoked_at is not None:
            raise RecordsError.SHARE_ALREADY_REVOKED.error()
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(RecordsEvent.SHARE_REVOKED, target=locked.record, new={"link": locked.pk}, actor=actor)
    return locked


def refuse(link: ShareLink | None, user: User, why: str, *, number: int | None = None) -> None:
    """Audit a refused view (``why``: unknown, expired, revoked, not_for_you, not_opened);
    ``number``: the link asked for when it was not loaded."""
    audit.record(
        RecordsEvent.SHARE_REFUSED,
        target=link.record if link else None,
        new={"link": link.pk if link else number, "why": why},
        actor=user,
    )


def opened(token: str, user: User) -> ShareLink:
    """The link ``token`` opened by ``user`` (see :func:`reopened`); an unknown token is refused
    like an expired one (audited)."""
    link = ShareLink.objects.filter(token_sha256=_digest(token)).first() if token else None
    if link is None:
        refuse(None, user, "unknown")
        raise RecordsError.SHARE_GONE.denied()
    return reopened(link, user)


def reopened(link: ShareLink, user: User, *, page: int | None = None) -> ShareLink:
    """``link`` viewed by ``user`` (``page`` for a page image), audited; or a refusal, audited
    too: the link must still be in force (checked at every view, so a withdrawal takes effect at
    once) and ``user`` one of the named institution's staff."""
    link = ShareLink.objects.select_related("record__department", "institution").get(pk=link.pk)
    if not link.usable(timezone.now()):
        refuse(link, user, "revoked" if link.revoked_at else "expired")
        raise RecordsError.SHARE_GONE.denied()
    if user.kind != User.Kind.STAFF or user.institution_id != link.institution_id:
        refuse(link, user, "not_for_you")
        raise RecordsError.SHARE_NOT_FOR_YOU.denied()
    with transaction.atomic():
        ShareLink.objects.filter(pk=link.pk).update(views=F("views") + 1)
        audit.record(
            RecordsEvent.SHARE_VIEWED,
            target=link.record,
            new={"link": link.pk, "page": page, "institution": link.institution.code},
            reason=link.reason,
            actor=user,
        )
    return link
