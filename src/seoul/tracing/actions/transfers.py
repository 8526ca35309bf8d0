"""District transfers: a case or contact handed to another district, with the receiving
district's acceptance (Go.Data and SORMAS move records between jurisdictions the same way).

Whoever works on the record (its tracer, its district's supervisor) asks, with the reason; the
receiving district's supervisor (or a tracing administrator) accepts or refuses with a note.
Until then nothing moves and the receiving side sees only the reference, the districts and the
reason -- no name or phone. On acceptance the record's district changes, its open assignment
ends and it goes to the least loaded tracer of the new district.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.core.validation import check_text
from seoul.tracing.actions._checks import case_for, contact_for, need_role
from seoul.tracing.actions._checks import district as check_district
from seoul.tracing.actions.assignment import assign
from seoul.tracing.errors import TracingError
from seoul.tracing.events import TracingEvent
from seoul.tracing.models import Case, Contact, TracerProfile, Transfer


def request_transfer(record: Case | Contact, to_district: int, reason: str, *, actor: User | None) -> Transfer:
    """Ask ``to_district`` to take over ``record`` (a case or contact the actor works on)."""
    to_district = check_district(to_district, "to_district")
    reason = check_text(reason, "reason", min_length=5, max_length=300)
    with transaction.atomic():
        if isinstance(record, Case):
            locked: Case | Contact = case_for(actor, record)
        else:
            locked = contact_for(actor, record)
            if locked.status != Contact.Status.MONITORING:
                raise TracingError.NOT_MONITORING.error("to_district")
        if locked.district == to_district:
            raise TracingError.SAME_DISTRICT.error("to_district")
        pending = Transfer.objects.filter(status=Transfer.Status.PENDING)
        mine = pending.filter(case=locked) if isinstance(locked, Case) else pending.filter(contact=locked)
        if mine.exists():
            raise TracingError.TRANSFER_PENDING.error("to_district")
        transfer = Transfer.objects.create(
            case=locked if isinstance(locked, Case) else None,
            contact=locked if isinstance(locked, Contact) else None,
            from_district=locked.district,
            to_district=to_district,
            reason=reason,
            requested_by=actor,
        )
        audit.record(
            TracingEvent.TRANSFER_REQUESTED,
            actor=actor,
            target=locked,
            new={"transfer": transfer.pk, "from": locked.district, "to": to_district},
            reason=reason,
        )
    return transfer


def incoming(user: User) -> list[Transfer]:
    """Pending transfers ``user`` decides: to the district they supervise (all for admins)."""
    pending = Transfer.objects.filter(status=Transfer.Status.PENDING).select_related("case", "contact", "requested_by")
    if user.has_role(Service.TRACING, Role.ADMIN):
        return list(pending)
    if not user.has_role(Service.TRACING, Role.APPROVER):
        return []
    own = TracerProfile.objects.filter(user=user, active=True).values_list("district", flat=True).first()
    return [] if own is None else list(pending.filter(to_district=own))


def decide_transfer(transfer: Transfer, accept: bool, note: str, *, actor: User | None) -> Transfer:
    """The receiving district's supervisor accepts (the record moves and gets a tracer there)
    or refuses (with a note; the record stays)."""
    note = check_text(note, "note", min_length=0 if accept else 5, max_length=300)
    need_role(actor, Role.APPROVER)
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
        if actor is not None and transfer.pk not in {t.pk for t in incoming(actor)}:
            raise TracingError.TRANSFER_NOT_YOURS.denied()
        if transfer.status != Transfer.Status.PENDING:
            raise TracingError.TRANSFER_DECIDED.error("note")
        transfer.status = Transfer.Status.ACCEPTED if accept else Transfer.Status.REFUSED
        transfer.decided_by = actor
        transfer.decided_at = timezone.now()
        transfer.note = note
        transfer.save(update_fields=["status", "decided_by", "decided_at", "note"])
        record = transfer.record
        if accept:
            record = type(record).objects.select_for_update().get(pk=record.pk)
            record.district = transfer.to_district
            record.save(update_fields=["district"])
            record.assignments.filter(ended_at=None).update(ended_at=timezone.now())
            if isinstance(record, Case):
                assign(actor=actor, case=record, reason="district transfer")
            else:
                assign(actor=actor, contact=record, reason="district transfer")
        audit.record(
            TracingEvent.TRANSFER_DECIDED,
            actor=actor,
            target=record,
            old={"district": transfer.from_district},
            new={"transfer": transfer.pk, "status": transfer.status, "district": record.district},
            reason=note,
        )
    return transfer
