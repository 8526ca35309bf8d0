"""The yearly disposal review: the records officer lists the registered records whose retention
has ended, records the review committee's meeting and its decision on each record, and then
carries the decisions out. Nothing is destroyed before the committee has decided every record
of the review.

Destroying a record removes its files from the store, its page text and its index entry; its
registration data stays, with the review item as the destruction record (which files, their
checksums, when, by whose decision). Keeping longer or re-classifying changes the retention
period through a correction that cites the committee.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.core.validation import check_text
from seoul.records import index
from seoul.records import storage as stores
from seoul.records.actions.registration import correct
from seoul.records.engine import rules
from seoul.records.engine.rules import Retention
from seoul.records.errors import RecordsError
from seoul.records.events import RecordsEvent
from seoul.records.models import DisposalItem, DisposalReview, Page, Record, StoredFile


def _officer(actor: User) -> None:
    if not actor.has_role(Service.RECORDS, Role.APPROVER):
        raise RecordsError.OFFICERS_ONLY.denied()


def due(on: date) -> list[tuple[Record, date]]:
    """Registered records whose retention ended before ``on`` and that no review holds yet."""
    held = DisposalItem.objects.exclude(review__status=DisposalReview.Status.DONE).values("record")
    out: list[tuple[Record, date]] = []
    for record in (
        Record.objects.filter(status=Record.Status.REGISTERED, completed_year__isnull=False)
        .exclude(retention__in=[Retention.PERMANENT.value, Retention.SEMI_PERMANENT.value])
        .exclude(pk__in=held)
        .select_related("department")
        .order_by("completed_year", "pk")
    ):
        assert record.completed_year is not None  # noqa: S101 (filtered above)
        ends = rules.retention_ends(Retention(record.retention), record.completed_year)
        if ends is not None and ends < on:
            out.append((record, ends))
    return out


def open_review(*, actor: User, on: date | None = None) -> DisposalReview:
    _officer(actor)
    on = on or timezone.localdate()
    with transaction.atomic():
        listed = due(on)
        if not listed:
            raise RecordsError.NOTHING_DUE.error()
        review = DisposalReview.objects.create(year=on.year, opened_at=timezone.now(), opened_by=actor)
        DisposalItem.objects.bulk_create(
            DisposalItem(review=review, record=record, retention_ended=ends) for record, ends in listed
        )
        audit.record(RecordsEvent.DISPOSAL_OPENED, target=review, new={"records": len(listed)}, actor=actor)
    return review


def record_meeting(review: DisposalReview, *, meeting_on: date, minutes: str, members: str, actor: User) -> None:
    _officer(actor)
    minutes = check_text(minutes, "minutes", max_length=100)
    members = check_text(members, "members", max_length=300)
    with transaction.atomic():
        locked = DisposalReview.objects.select_for_update().get(pk=review.pk)
        if locked.status == DisposalReview.Status.DONE:
            raise RecordsError.REVIEW_CLOSED.error()
        locked.meeting_on, locked.minutes, locked.members = meeting_on, minutes, members
        locked.save(update_fields=["meeting_on", "minutes", "members"])
        audit.record(
            RecordsEvent.DISPOSAL_DECIDED,
            target=locked,
            new={"meeting_on": meeting_on.isoformat(), "minutes": minutes, "members": members},
            actor=actor,
        )


def decide(item: DisposalItem, decision: str, *, reason: str, new_retention: str = "", actor: User) -> DisposalItem:
    """The committee's decision on one record, entered by the records officer."""
    _officer(actor)
    decision = DisposalItem.Decision(decision)
    reason = check_text(reason, "reason", max_length=300, min_length=0, multiline=True)
    with transaction.atomic():
        locked = DisposalItem.objects.select_for_update().select_related("review", "record").get(pk=item.pk)
        review = locked.review
        if review.status == DisposalReview.Status.DONE:
            raise RecordsError.REVIEW_CLOSED.error()
        if not review.minutes:
            raise RecordsError.COMMITTEE_FIRST.error()
        if decision in (DisposalItem.Decision.KEEP, DisposalItem.Decision.RECLASSIFY):
            if not reason:
                raise RecordsError.REASON_NEEDED.error("reason")
            if not new_retention:
                raise RecordsError.PERIOD_NEEDED.error("new_retention")
            if new_retention == locked.record.retention:
                raise RecordsError.PERIOD_NEEDED.error("new_retention")
            period = Retention(new_retention)
            completed = locked.record.completed_year or review.year
            ends = rules.retention_ends(period, completed)
            if decision == DisposalItem.Decision.KEEP and ends is not None and ends <= locked.retention_ended:
                raise RecordsError.LONGER_PERIOD.error("new_retention")
        else:
            new_retention = ""
        locked.decision, locked.reason, locked.new_retention = decision, reason, new_retention
        locked.decided_at = timezone.now()
        locked.save(update_fields=["decision", "reason", "new_retention", "decided_at"])
        if not review.items.filter(decision=DisposalItem.Decision.PENDING).exists():
            DisposalReview.objects.filter(pk=review.pk).update(status=DisposalReview.Status.DECIDED)
        else:
            DisposalReview.objects.filter(pk=review.pk).update(status=DisposalReview.Status.OPEN)
    return locked


def carry_out(review: DisposalReview, *, actor: User) -> DisposalReview:
    """Destroy, keep longer or re-classify each record as the committee decided. Files leave the
    store after the rows say so; a file the store cannot delete is logged by the sanity check."""
    _officer(actor)
    removed: list[str] = []
    with transaction.atomic():
        locked = DisposalReview.objects.select_for_update().get(pk=review.pk)
        if locked.status == DisposalReview.Status.DONE:
            raise RecordsError.REVIEW_CLOSED.error()
        pending = locked.items.filter(decision=DisposalItem.Decision.PENDING).count()
        if pending:
            raise RecordsError.UNDECIDED.error(n=pending)
        now = timezone.now()
        committee = f"{locked.minutes} ({locked.meeting_on.isoformat() if locked.meeting_on else ''})"
        for item in locked.items.select_related("record").order_by("pk"):
            record = item.record
            if item.decision == DisposalItem.Decision.DESTROY:
                files = list(StoredFile.objects.filter(record=record, destroyed_at__isnull=True))
                item.files_removed = [{"role": f.role, "key": f.key, "sha256": f.sha256, "size": f.size} for f in files]
                StoredFile.objects.filter(pk__in=[f.pk for f in files]).update(destroyed_at=now)
                Page.objects.filter(record=record).delete()
                Record.objects.filter(pk=record.pk).update(status=Record.Status.DESTROYED)
                removed += [f.key for f in files]
                audit.record(
                    RecordsEvent.DESTROYED,
                    target=record,
                    new={"files": item.files_removed, "committee": committee},
                    actor=actor,
                )
            else:
                correct(
                    record,
                    {"retention": item.new_retention},
                    reason=f"{item.get_decision_display()}: {item.reason} — {committee}",
                    actor=actor,
                )
            item.carried_out_at = now
            item.save(update_fields=["files_removed", "carried_out_at"])
        locked.status = DisposalReview.Status.DONE
        locked.done_at = now
        locked.save(update_fields=["status", "done_at"])
        audit.record(
            RecordsEvent.DISPOSAL_DONE,
            target=locked,
            new={"destroyed": locked.items.filter(decision=DisposalItem.Decision.DESTROY).count()},
            actor=actor,
        )
        destroyed = list(
            locked.items.filter(decision=DisposalItem.Decision.DESTROY).values_list("record_id", flat=True)
        )
        transaction.on_commit(lambda: _remove(removed, destroyed), robust=True)
    return locked


def _remove(keys: list[str], record_ids: list[int]) -> None:
    store = stores.storage()
    for key in keys:
        store.delete(key)
    index.remove(record_ids)
