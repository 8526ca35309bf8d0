"""Staff, supplies and equipment shared between hospitals: a hospital asks, others offer, the
control tower of the asking hospital's region approves, and the loan is tracked until it is
returned or consumed. Each step is audited; the ledger is the loans themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.core.validation import PLANNING_HORIZON, check_text
from seoul.hospitals.errors import HospitalsError
from seoul.hospitals.events import HospitalsEvent
from seoul.hospitals.models import (
    DistrictRegion,
    Hospital,
    Loan,
    ResourceRequest,
    coordinated_regions,
    reporting_hospitals,
)


@dataclass(frozen=True)
class Need:
    kind: str  # ResourceRequest.Kind
    item: str
    quantity: int
    start: date | None = None
    end: date | None = None
    note: str = ""


def _mine(hospital: Hospital, actor: User) -> None:
    if not reporting_hospitals(actor).filter(pk=hospital.pk).exists():
        raise HospitalsError.NOT_YOUR_HOSPITAL.denied()


def request_resource(hospital: Hospital, need: Need, *, actor: User) -> ResourceRequest:
    _mine(hospital, actor)
    item = check_text(need.item, "item", max_length=40)
    note = check_text(need.note, "note", max_length=500, min_length=0, multiline=True) if need.note else ""
    for field, day in (("start", need.start), ("end", need.end)):
        if day is not None:
            PLANNING_HORIZON.check(day, field)
    if need.start and need.end and need.end < need.start:
        raise HospitalsError.END_BEFORE_START.error("end")
    with transaction.atomic():
        row = ResourceRequest.objects.create(
            hospital=hospital,
            kind=need.kind,
            item=item,
            quantity=need.quantity,
            start=need.start,
            end=need.end,
            note=note,
            created_at=timezone.now(),
            created_by=actor,
        )
        audit.record(
            HospitalsEvent.RESOURCE_REQUESTED,
            target=row,
            new={"hospital": hospital.code, "kind": row.kind, "item": row.item, "quantity": row.quantity},
            actor=actor,
        )
    return row


def offer(request: ResourceRequest, lender: Hospital, quantity: int, *, note: str = "", actor: User) -> Loan:
    _mine(lender, actor)
    if lender.pk == request.hospital_id:
        raise HospitalsError.OWN_HOSPITAL.error("lender")
    note = check_text(note, "note", max_length=500, min_length=0, multiline=True) if note else ""
    with transaction.atomic():
        locked = ResourceRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != ResourceRequest.Status.OPEN:
            raise HospitalsError.REQUEST_CLOSED.error()
        loan = Loan.objects.create(
            request=locked, lender=lender, quantity=quantity, note=note, offered_at=timezone.now(), offered_by=actor
        )
        audit.record(
            HospitalsEvent.RESOURCE_OFFERED,
            target=loan,
            new={"lender": lender.code, "to": locked.hospital.code, "quantity": quantity},
            actor=actor,
        )
    return loan


def _tower_of(hospital_id: int, actor: User) -> None:
    """Only a coordinator of the borrowing hospital's region (or the city's team) decides."""
    if not actor.has_role(Service.HOSPITALS, Role.APPROVER):
        raise HospitalsError.NOT_YOUR_REGION.denied()
    regions = coordinated_regions(actor)
    if regions is None:
        return
    hospital = Hospital.objects.get(pk=hospital_id)
    if not DistrictRegion.objects.filter(district=hospital.district, region__in=regions).exists():
        raise HospitalsError.NOT_YOUR_REGION.denied()


def decide_loan(loan: Loan, *, approve: bool, actor: User) -> Loan:
    with transaction.atomic():
        loan = Loan.objects.select_for_update().select_related("request").get(pk=loan.pk)
        _tower_of(loan.request.hospital_id, actor)
        if loan.status != Loan.Status.OFFERED:
            raise HospitalsError.LOAN_NOT_OPEN.error()
        loan.status = Loan.Status.ON_LOAN if approve else Loan.Status.DECLINED
        loan.decided_at = timezone.now()
        loan.decided_by = actor
        loan.save(update_fields=["status", "decided_at", "decided_by"])
        request = loan.request
        covered = sum(
            loan_.quantity
            for loan_ in request.loans.filter(
                status__in=[Loan.Status.ON_LOAN, Loan.Status.RETURNED, Loan.Status.CONSUMED]
            )
        )
        if approve and covered >= request.quantity:
            request.status = ResourceRequest.Status.COVERED
            request.save(update_fields=["status"])
        audit.record(
            HospitalsEvent.LOAN_DECIDED, target=loan, new={"approved": approve, "covered": covered}, actor=actor
        )
    return loan


def close_loan(loan: Loan, *, consumed: bool, actor: User) -> Loan:
    """The loan ends: staff or equipment back to the lender (returned), or supplies used up
    (consumed). Either hospital may record it."""
    with transaction.atomic():
        loan = Loan.objects.select_for_update().select_related("request").get(pk=loan.pk)
        mine = reporting_hospitals(actor)
        if not mine.filter(pk__in=[loan.lender_id, loan.request.hospital_id]).exists():
            raise HospitalsError.NOT_YOUR_HOSPITAL.denied()
        if loan.status != Loan.Status.ON_LOAN:
            raise HospitalsError.LOAN_NOT_OPEN.error()
        loan.status = Loan.Status.CONSUMED if consumed else Loan.Status.RETURNED
        loan.closed_at = timezone.now()
        loan.save(update_fields=["status", "closed_at"])
        audit.record(HospitalsEvent.LOAN_CLOSED, target=loan, new={"status": loan.status}, actor=actor)
    return loan
