"""Patients who need a bed: registered by the patient-management team (or handed over by
contact tracing), placed from a proposal the solver makes, accepted by the receiving hospital,
discharged. Every step checks the actor's scope and is audited; a proposal never holds a
patient back: when the solver cannot answer in time the nearest capable bed is proposed instead
and the proposal says so."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.engine.districts import centroids
from seoul.core.engine.time import seoul_date
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.core.validation import check_text
from seoul.hospitals import state
from seoul.hospitals.engine.network import Need
from seoul.hospitals.engine.placement import Inpatient, Waiting, place
from seoul.hospitals.engine.report import TIERS, Tier
from seoul.hospitals.errors import HospitalsError
from seoul.hospitals.events import HospitalsEvent
from seoul.hospitals.models import (
    DistrictRegion,
    Hospital,
    Patient,
    Proposal,
    ProposalLine,
    Region,
    Transfer,
    coordinated_regions,
    reporting_hospitals,
)

TIME_LIMIT = 2.0  # seconds the solver may take before the nearest capable bed is proposed instead


@dataclass(frozen=True)
class NewPatient:
    name: str
    district: int
    tier: Tier
    needs: frozenset[Need] = frozenset()
    phone: str = ""
    birth_year: int | None = None
    note: str = ""


def _regions_of(actor: User) -> list[Region] | None:
    """The regions ``actor`` coordinates (None: all); refused for anyone else."""
    if not actor.has_role(Service.HOSPITALS, Role.APPROVER):
        raise HospitalsError.NOT_YOUR_REGION.denied()
    regions = coordinated_regions(actor)
    return None if regions is None else list(regions)


def _check_district(district: int, actor: User) -> None:
    regions = _regions_of(actor)
    if regions is not None and not DistrictRegion.objects.filter(district=district, region__in=regions).exists():
        raise HospitalsError.NOT_YOUR_REGION.error("district")


def _reference() -> str:
    return f"H-{seoul_date(timezone.now()):%Y%m%d}-{secrets.token_hex(3).upper()}"


def _create(data: NewPatient, *, source: str, source_reference: str, actor: User | None) -> Patient:
    name = check_text(data.name, "name", max_length=100)
    note = check_text(data.note, "note", max_length=1000, min_length=0, multiline=True) if data.note else ""
    patient = Patient.objects.create(
        reference=_reference(),
        name=name,
        phone=data.phone,
        birth_year=data.birth_year,
        district=data.district,
        tier=data.tier.value,
        needs=sorted(n.value for n in data.needs),
        note=note,
        source=source,
        source_reference=source_reference,
        requested_at=timezone.now(),
        requested_by=actor,
    )
    return patient


def register_patient(data: NewPatient, *, actor: User) -> Patient:
    """A patient the patient-management team (or a coordinator of the patient's region) says
    needs a bed."""
    _check_district(data.district, actor)
    with transaction.atomic():
        patient = _create(data, source=Patient.Source.TEAM, source_reference="", actor=actor)
        audit.record(
            HospitalsEvent.PATIENT_REGISTERED,
            target=patient,
            new={"tier": patient.tier, "district": patient.district, "needs": patient.needs},
            actor=actor,
        )
    return patient


def handover_from_tracing(data: NewPatient, *, case_reference: str, actor: User | None) -> Patient:
    """A case contact tracing classified as needing hospital care (``interfaces.request_bed``).
    The same case handed over twice while its request is open gives the open request back."""
    open_request = Patient.objects.filter(
        source=Patient.Source.TRACING,
        source_reference=case_reference,
        status__in=[Patient.Status.WAITING, Patient.Status.OFFERED, Patient.Status.ADMITTED],
    ).first()
    if open_request is not None:
        return open_request
    with transaction.atomic():
        patient = _create(data, source=Patient.Source.TRACING, source_reference=case_reference, actor=actor)
        audit.record(
            HospitalsEvent.PATIENT_HANDED_OVER,
            target=patient,
            new={"tier": patient.tier, "district": patient.district, "case": case_reference},
            actor=actor,
        )
    return patient


# ---- proposals --------------------------------------------------------------------------


def propose(*, region: Region | None, actor: User) -> Proposal:
    """Ask the solver where the waiting patients of ``region`` (all regions: None) should go.
    Patients already in an open proposal of that region are proposed afresh (it is replaced)."""
    regions = _regions_of(actor)
    if regions is not None and (region is None or region not in regions):
        raise HospitalsError.NOT_YOUR_REGION.denied()
    now = timezone.now()
    hospitals, stale = state.trusted_hospitals(now)
    by_district = state.region_codes()
    sites = [state.site(h, by_district) for h in hospitals]
    free = state.free_beds(hospitals)
    waiting = Patient.objects.filter(status=Patient.Status.WAITING)
    movable = Patient.objects.filter(status=Patient.Status.ADMITTED, hospital__in=hospitals).exclude(
        pk__in=Transfer.objects.filter(status=Transfer.Status.OFFERED).values("patient")
    )
    if region is not None:
        districts = DistrictRegion.objects.filter(region=region).values("district")
        waiting = waiting.filter(district__in=districts)
        movable = movable.filter(hospital__district__in=districts)
    points = centroids()
    queue = [
        Waiting(
            p.reference,
            Tier(p.tier),
            *points[p.district],
            by_district.get(p.district, ""),
            frozenset(Need(n) for n in p.needs),
            (now - p.requested_at).days,
        )
        for p in waiting
    ]
    code_of = {h.pk: h.code for h in hospitals}
    inpatients = [
        Inpatient(
            p.reference,
            Tier(p.tier),
            code_of[int(p.hospital_id or 0)],
            Tier(p.bed),
            frozenset(Need(n) for n in p.needs),
        )
        for p in movable
        if p.bed and Tier(p.bed).rank > Tier(p.tier).rank
    ]
    result = place(queue, sites, free, inpatients=inpatients, time_limit=TIME_LIMIT)
    patients = {
        p.reference: p for p in Patient.objects.filter(reference__in=[w.id for w in queue] + [q.id for q in inpatients])
    }
    hospital_by_code = {h.code: h for h in hospitals}
    with transaction.atomic():
        Proposal.objects.filter(region=region, status=Proposal.Status.OPEN).update(status=Proposal.Status.SUPERSEDED)
        proposal = Proposal.objects.create(
            created_at=now,
            created_by=actor,
            region=region,
            method=result.method.value,
            fallback=result.fallback or "",
            left_out=[h.code for h in stale],
            seconds=result.seconds,
        )
        lines = [
            ProposalLine(
                proposal=proposal,
                patient=patients[a.patient],
                kind=ProposalLine.Kind.PLACE,
                hospital=hospital_by_code[a.hospital],
                bed=a.bed.value,
                km=a.km,
                minutes=a.minutes,
                cross_region=a.cross_region,
            )
            for a in result.assignments
        ]
        lines += [
            ProposalLine(
                proposal=proposal,
                patient=patients[m.patient],
                kind=ProposalLine.Kind.MOVE,
                hospital=hospital_by_code[m.to_hospital],
                bed=m.to_bed.value,
                km=m.km,
                minutes=0,
            )
            for m in result.moves
        ]
        lines += [
            ProposalLine(
                proposal=proposal, patient=patients[w.patient], kind=ProposalLine.Kind.WAIT, wait_reason=w.reason.value
            )
            for w in result.waiting
        ]
        ProposalLine.objects.bulk_create(lines)
        audit.record(
            HospitalsEvent.PROPOSAL_MADE,
            target=proposal,
            new={
                "method": proposal.method,
                "fallback": proposal.fallback,
                "place": len(result.assignments),
                "move": len(result.moves),
                "wait": len(result.waiting),
                "seconds": round(result.seconds, 3),
            },
            actor=actor,
        )
    return proposal


def _has_bed(hospital: Hospital, patient: Patient, bed: Tier) -> bool:
    needs = frozenset(Need(n) for n in patient.needs)
    if not needs <= frozenset(Need(n) for n in hospital.capabilities):
        return False
    return state.free_beds([hospital]).get((hospital.code, bed), 0) > 0


def decide(proposal: Proposal, decisions: Mapping[int, str | None], *, actor: User) -> Proposal:
    """The coordinator's answer to a proposal: for each line id, ``"accept"`` (as proposed),
    ``None`` (not now), or a hospital code (place the patient there instead, in the lowest free
    tier at or above theirs). Accepted placements become bed offers to the hospital; accepted
    moves become transfer offers. Lines not named are left as they are."""
    regions = _regions_of(actor)
    if regions is not None and proposal.region not in regions:
        raise HospitalsError.NOT_YOUR_REGION.denied()
    now = timezone.now()
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.status != Proposal.Status.OPEN:
            raise HospitalsError.PROPOSAL_CLOSED.error()
        lines = {line.pk: line for line in locked.lines.select_related("patient", "hospital")}
        for line_id, decision in decisions.items():
            line = lines.get(line_id)
            if line is None:
                continue
            if decision is None:
                line.decision = ProposalLine.Decision.SKIPPED
                line.save(update_fields=["decision"])
                continue
            patient = Patient.objects.select_for_update().get(pk=line.patient_id)
            if line.kind == ProposalLine.Kind.MOVE:
                if decision != "accept" or line.hospital is None or patient.status != Patient.Status.ADMITTED:
                    continue
                _offer_transfer(line, patient, actor)
                continue
            if patient.status != Patient.Status.WAITING:
                raise HospitalsError.NOT_WAITING.error(f"line_{line.pk}")
            if decision == "accept" and line.hospital is not None:
                hospital, bed = line.hospital, Tier(line.bed)
                line.decision = ProposalLine.Decision.ACCEPTED
            else:
                chosen = Hospital.objects.filter(code=decision, active=True).first() if decision else None
                choice = _lowest_free(chosen, patient) if chosen else None
                if chosen is None or choice is None:
                    raise HospitalsError.NO_BED_THERE.error(
                        f"line_{line.pk}", hospital=chosen.name if chosen else decision
                    )
                hospital, bed = chosen, choice
                line.decision = ProposalLine.Decision.CHANGED
                line.decided_hospital = chosen
            line.save(update_fields=["decision", "decided_hospital"])
            patient.status = Patient.Status.OFFERED
            patient.hospital = hospital
            patient.bed = bed.value
            patient.offered_at = now
            patient.placed_by = locked.method if line.decision == ProposalLine.Decision.ACCEPTED else "coordinator"
            patient.save(update_fields=["status", "hospital", "bed", "offered_at", "placed_by"])
            audit.record(
                HospitalsEvent.PATIENT_OFFERED,
                target=patient,
                new={
                    "hospital": hospital.code,
                    "bed": bed.value,
                    "as_proposed": line.decision == ProposalLine.Decision.ACCEPTED,
                },
                actor=actor,
            )
        locked.status = Proposal.Status.DECIDED
        locked.decided_at = now
        locked.decided_by = actor
        locked.save(update_fields=["status", "decided_at", "decided_by"])
    return locked


def _lowest_free(hospital: Hospital, patient: Patient) -> Tier | None:
    for bed in TIERS[Tier(patient.tier).rank :]:
        if _has_bed(hospital, patient, bed):
            return bed
    return None


def _offer_transfer(line: ProposalLine, patient: Patient, actor: User) -> None:
    assert line.hospital is not None and patient.hospital is not None  # noqa: S101 - checked by the caller
    transfer = Transfer.objects.create(
        patient=patient,
        from_hospital=patient.hospital,
        from_bed=patient.bed,
        to_hospital=line.hospital,
        to_bed=line.bed,
        km=line.km,
        proposed_at=timezone.now(),
        approved_by=actor,
    )
    line.decision = ProposalLine.Decision.ACCEPTED
    line.save(update_fields=["decision"])
    audit.record(
        HospitalsEvent.TRANSFER_OFFERED,
        target=transfer,
        target_label=patient.reference,
        new={"from": patient.hospital.code, "to": line.hospital.code, "bed": line.bed},
        actor=actor,
    )


# ---- the receiving hospital --------------------------------------------------------------


def _at_my_hospital(patient: Patient, actor: User) -> Hospital:
    hospital = reporting_hospitals(actor).filter(pk=patient.hospital_id).first() if patient.hospital_id else None
    if hospital is None:
        raise HospitalsError.NOT_OFFERED_TO_YOU.denied()
    return hospital


def answer_offer(patient: Patient, *, accept: bool, reason: str = "", actor: User) -> Patient:
    """The receiving hospital admits the patient, or declines (the patient waits again)."""
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        hospital = _at_my_hospital(patient, actor)
        if patient.status != Patient.Status.OFFERED:
            raise HospitalsError.NOT_OFFERED_TO_YOU.error()
        if accept:
            patient.status = Patient.Status.ADMITTED
            patient.admitted_at = timezone.now()
        else:
            reason = check_text(reason, "reason", max_length=500)
            patient.status = Patient.Status.WAITING
            patient.hospital = None
            patient.bed = ""
            patient.offered_at = None
        patient.save(update_fields=["status", "admitted_at", "hospital", "bed", "offered_at"])
        audit.record(
            HospitalsEvent.OFFER_ANSWERED,
            target=patient,
            new={"hospital": hospital.code, "accepted": accept},
            reason=reason,
            actor=actor,
        )
    return patient


def answer_transfer(transfer: Transfer, *, accept: bool, actor: User) -> Transfer:
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().select_related("patient").get(pk=transfer.pk)
        if not reporting_hospitals(actor).filter(pk=transfer.to_hospital_id).exists():
            raise HospitalsError.NOT_OFFERED_TO_YOU.denied()
        if transfer.status != Transfer.Status.OFFERED:
            raise HospitalsError.NOT_OFFERED_TO_YOU.error()
        transfer.status = Transfer.Status.DONE if accept else Transfer.Status.DECLINED
        transfer.answered_at = timezone.now()
        transfer.save(update_fields=["status", "answered_at"])
        if accept:
            patient = transfer.patient
            patient.hospital_id = transfer.to_hospital_id
            patient.bed = transfer.to_bed
            patient.save(update_fields=["hospital", "bed"])
        audit.record(
            HospitalsEvent.TRANSFER_ANSWERED,
            target=transfer,
            target_label=transfer.patient.reference,
            new={"accepted": accept},
            actor=actor,
        )
    return transfer


def discharge(patient: Patient, *, actor: User) -> Patient:
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        _at_my_hospital(patient, actor)
        if patient.status != Patient.Status.ADMITTED:
            raise HospitalsError.NOT_ADMITTED_HERE.error()
        patient.status = Patient.Status.DISCHARGED
        patient.closed_at = timezone.now()
        patient.save(update_fields=["status", "closed_at"])
        audit.record(HospitalsEvent.PATIENT_DISCHARGED, target=patient, actor=actor)
    return patient


def cancel(patient: Patient, *, reason: str, actor: User) -> Patient:
    """The request is withdrawn (the person recovered at home, went elsewhere, died)."""
    reason = check_text(reason, "reason", max_length=500)
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        if not Patient.objects.visible_to(actor).filter(pk=patient.pk).exists() or not actor.has_role(
            Service.HOSPITALS, Role.APPROVER
        ):
            raise HospitalsError.NOT_IN_SCOPE.denied()
        if patient.status not in (Patient.Status.WAITING, Patient.Status.OFFERED):
            raise HospitalsError.NOT_WAITING.error()
        patient.status = Patient.Status.CANCELLED
        patient.closed_at = timezone.now()
        patient.hospital = None
        patient.save(update_fields=["status", "closed_at", "hospital"])
        audit.record(HospitalsEvent.PATIENT_CANCELLED, target=patient, reason=reason, actor=actor)
    return patient
