"""Patients waiting for a bed: scope, proposals, the coordinator's decision, the receiving
hospital's answer, the fallback when the solver cannot answer, personal data and retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from seoul.core import retention
from seoul.core.models import AuditEvent
from seoul.core.testing import state_reason
from seoul.hospitals import actions, interfaces, state
from seoul.hospitals.actions import patients as patient_actions
from seoul.hospitals.engine.network import Need
from seoul.hospitals.engine.report import Tier
from seoul.hospitals.models import Hospital, Patient, Post, ProposalLine
from seoul.hospitals.tests.builders import patient, reported
from seoul.hospitals.tests.conftest import Network

pytestmark = pytest.mark.django_db


def _beds(network: Network) -> None:
    """SMC (north-east) has one critical and two severe beds free; Seonam (south-west) one severe."""
    reported(network.smc, network.today, network.bed_smc, critical=(10, 9, 10, 1), severe=(20, 18, 20, 2))
    reported(network.seonam, network.today, network.bed_seonam, severe=(8, 7, 8, 1))


def test_a_coordinator_registers_only_in_their_region(network: Network) -> None:
    patient(network.tower_ne, "노원구", Tier.SEVERE)
    with pytest.raises(ValidationError) as refused:
        patient(network.tower_ne, "관악구", Tier.SEVERE)
    assert "district" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        patient(network.bed_smc, "노원구", Tier.SEVERE)


def test_who_sees_which_patient(network: Network) -> None:
    ne = patient(network.city, "노원구", Tier.SEVERE)
    sw = patient(network.city, "관악구", Tier.SEVERE)
    visible = {
        u: set(Patient.objects.visible_to(u).values_list("reference", flat=True))
        for u in (network.city, network.tower_ne, network.bed_smc, network.viewer, network.outsider)
    }
    assert visible[network.city] == {ne.reference, sw.reference}
    assert visible[network.tower_ne] == {ne.reference}
    assert visible[network.bed_smc] == set()  # nothing offered to SMC yet
    assert visible[network.viewer] == set()
    assert visible[network.outsider] == set()


def test_propose_decide_admit(network: Network) -> None:
    _beds(network)
    critical = patient(network.city, "노원구", Tier.CRITICAL)
    severe = patient(network.city, "중랑구", Tier.SEVERE)
    proposal = actions.propose(region=None, actor=network.city)
    lines = {line.patient.reference: line for line in proposal.lines.select_related("patient", "hospital")}
    assert lines[critical.reference].kind == ProposalLine.Kind.PLACE
    assert (lines[critical.reference].hospital.code, lines[critical.reference].bed) == ("SMC", "critical")
    assert (lines[severe.reference].hospital.code, lines[severe.reference].bed) == ("SMC", "severe")
    assert proposal.method == "optimised"
    free_before = state.free_beds([network.smc])[("SMC", Tier.CRITICAL)]
    actions.decide(proposal, {line.pk: "accept" for line in lines.values()}, actor=network.city)
    critical.refresh_from_db()
    assert (critical.status, critical.hospital.code, critical.bed, critical.placed_by) == (
        "offered",
        "SMC",
        "critical",
        "optimised",
    )
    assert state.free_beds([network.smc])[("SMC", Tier.CRITICAL)] == free_before - 1
    # the receiving hospital now sees the patient and admits them; Seonam cannot
    assert Patient.objects.visible_to(network.bed_smc).filter(pk=critical.pk).exists()
    with pytest.raises(PermissionDenied):
        actions.answer_offer(critical, accept=True, actor=network.bed_seonam)
    actions.answer_offer(critical, accept=True, actor=network.bed_smc)
    critical.refresh_from_db()
    assert critical.status == "admitted" and critical.admitted_at is not None
    assert AuditEvent.objects.filter(event="hospitals.offer.answered", target_id=str(critical.pk)).exists()


def test_a_declined_offer_puts_the_patient_back_on_the_list(network: Network) -> None:
    _beds(network)
    p = patient(network.city, "노원구", Tier.SEVERE)
    proposal = actions.propose(region=None, actor=network.city)
    actions.decide(proposal, {line.pk: "accept" for line in proposal.lines.all()}, actor=network.city)
    actions.answer_offer(p, accept=False, reason="산소 공급 부족", actor=network.bed_smc)
    p.refresh_from_db()
    assert (p.status, p.hospital_id, p.bed) == ("waiting", None, "")
    event = AuditEvent.objects.get(event="hospitals.offer.answered", target_id=str(p.pk))
    assert event.reason == "산소 공급 부족"


def test_the_coordinator_may_choose_another_hospital_with_a_bed(network: Network) -> None:
    _beds(network)
    p = patient(network.city, "노원구", Tier.SEVERE)
    proposal = actions.propose(region=None, actor=network.city)
    line = proposal.lines.get()
    with pytest.raises(ValidationError) as refused:
        actions.decide(proposal, {line.pk: "BRM"}, actor=network.city)  # Boramae has not reported: no bed known
    assert f"line_{line.pk}" in refused.value.message_dict
    actions.decide(proposal, {line.pk: "SN"}, actor=network.city)
    p.refresh_from_db()
    assert (p.hospital.code, p.placed_by) == ("SN", "coordinator")
    line.refresh_from_db()
    assert line.decision == ProposalLine.Decision.CHANGED


def test_a_regional_coordinator_proposes_for_their_region_only(network: Network) -> None:
    _beds(network)
    patient(network.city, "노원구", Tier.SEVERE)
    patient(network.city, "관악구", Tier.SEVERE)
    proposal = actions.propose(region=network.northeast, actor=network.tower_ne)
    assert [line.patient.district_obj.name_ko for line in proposal.lines.all()] == ["노원구"]
    with pytest.raises(PermissionDenied):
        actions.propose(region=None, actor=network.tower_ne)


def test_when_the_solver_cannot_answer_the_nearest_bed_is_proposed(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    _beds(network)
    p = patient(network.city, "관악구", Tier.SEVERE)
    monkeypatch.setattr(patient_actions, "TIME_LIMIT", -1.0)
    proposal = actions.propose(region=None, actor=network.city)
    assert proposal.method == "nearest"
    assert "limit" in proposal.fallback
    line = proposal.lines.get()
    assert (line.patient_id, line.hospital.code) == (p.pk, "SN")  # Seonam is nearer to 관악구 than SMC
    client = Client()
    client.force_login(network.city)
    page = client.get(f"/hospitals/proposals/{proposal.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page.context["proposal"].fallback == proposal.fallback


def test_stale_hospitals_are_left_out_of_proposals(network: Network) -> None:
    reported(network.smc, network.today - timedelta(days=2), network.bed_smc, severe=(20, 10, 20, 10))
    reported(network.seonam, network.today, network.bed_seonam, severe=(8, 7, 8, 1))
    patient(network.city, "노원구", Tier.SEVERE)
    proposal = actions.propose(region=None, actor=network.city)
    assert "SMC" in proposal.left_out and "SN" not in proposal.left_out  # hospitals never reported are left out too
    assert proposal.lines.get().hospital.code == "SN"


def test_special_needs_wait_for_a_capable_hospital(network: Network) -> None:
    _beds(network)
    p = patient(network.city, "노원구", Tier.MODERATE, Need.PSYCHIATRIC)
    proposal = actions.propose(region=None, actor=network.city)
    line = proposal.lines.get(patient=p)
    assert (line.kind, line.wait_reason) == ("wait", "no_capable_hospital")  # Eunpyeong has not reported
    eunpyeong = Hospital.objects.get(code="EP")
    Post.objects.create(user=network.bed_smc, hospital=eunpyeong)
    reported(eunpyeong, network.today, network.bed_smc, moderate=(11, 11, 11, 0))
    line = actions.propose(region=None, actor=network.city).lines.get(patient=p)
    assert (line.kind, line.wait_reason) == ("wait", "no_free_bed")  # it can treat, and is full
    reported(eunpyeong, network.today, network.bed_smc, moderate=(11, 10, 11, 1))
    line = actions.propose(region=None, actor=network.city).lines.get(patient=p)
    assert (line.kind, line.hospital.code) == ("place", "EP")


def test_the_patient_page_asks_why_and_audits_it(network: Network) -> None:
    p = patient(network.city, "노원구", Tier.SEVERE, name="김서울")
    client = Client()
    client.force_login(network.tower_ne)
    asked = client.get(f"/hospitals/patients/{p.reference}/")
    assert "김서울" not in asked.content.decode()
    page = state_reason(client, f"/hospitals/patients/{p.reference}/", "hospitals.placement")
    assert "김서울" in page.content.decode()
    viewed = AuditEvent.objects.get(event="hospitals.patient.viewed", target_id=str(p.pk))
    assert "hospitals.placement" in viewed.reason or "Placing" in viewed.reason or "병상" in viewed.reason
    other = Client()
    other.force_login(network.bed_seonam)
    assert other.get(f"/hospitals/patients/{p.reference}/").status_code == 404


def test_names_are_erased_90_days_after_discharge(network: Network) -> None:
    _beds(network)
    p = patient(network.city, "노원구", Tier.SEVERE, name="김서울")
    proposal = actions.propose(region=None, actor=network.city)
    actions.decide(proposal, {line.pk: "accept" for line in proposal.lines.all()}, actor=network.city)
    actions.answer_offer(p, accept=True, actor=network.bed_smc)
    actions.discharge(p, actor=network.bed_smc)
    retention.run(now=timezone.now() + timedelta(days=89))
    p.refresh_from_db()
    assert p.name == "김서울"
    retention.run(now=timezone.now() + timedelta(days=91))
    p.refresh_from_db()
    assert (p.name, p.phone, p.birth_year, p.erased_at is not None) == ("", "", None, True)
    assert (p.tier, p.hospital.code, p.status) == ("severe", "SMC", "discharged")


def test_tracing_hands_a_case_over_once(network: Network) -> None:
    first = interfaces.request_bed(
        case_reference="C-2020-0042",
        name="이확진",
        phone="010-2222-3333",
        birth_year=1960,
        district=5,
        tier="severe",
        needs=("dialysis",),
        actor=None,
    )
    again = interfaces.request_bed(
        case_reference="C-2020-0042",
        name="이확진",
        phone="010-2222-3333",
        birth_year=1960,
        district=5,
        tier="severe",
        actor=None,
    )
    assert first.reference == again.reference and first.status == "waiting"
    stored = Patient.objects.get(reference=first.reference)
    assert (stored.source, stored.source_reference, stored.needs) == ("tracing", "C-2020-0042", ["dialysis"])
    with pytest.raises(ValueError, match="grave"):
        interfaces.request_bed(
            case_reference="C-2", name="x", phone="", birth_year=None, district=0, tier="grave", actor=None
        )


def test_step_down_transfer_frees_a_critical_bed(network: Network) -> None:
    reported(network.smc, network.today, network.bed_smc, critical=(2, 1, 2, 1), severe=(5, 5, 5, 0))
    first = patient(network.city, "노원구", Tier.SEVERE)
    proposal = actions.propose(region=None, actor=network.city)
    line = proposal.lines.get()
    assert (line.kind, line.bed) == ("place", "critical")  # no severe bed: a critical one for now
    actions.decide(proposal, {line.pk: "accept"}, actor=network.city)
    actions.answer_offer(first, accept=True, actor=network.bed_smc)
    reported(network.seonam, network.today, network.bed_seonam, severe=(8, 7, 8, 1))
    second = patient(network.city, "중랑구", Tier.CRITICAL)
    proposal = actions.propose(region=None, actor=network.city)
    kinds = {
        line.patient.reference: (line.kind, line.hospital.code if line.hospital else "")
        for line in proposal.lines.all()
    }
    assert kinds[first.reference] == ("move", "SN")
    assert kinds[second.reference][0] == "place"
    actions.decide(proposal, {line.pk: "accept" for line in proposal.lines.all()}, actor=network.city)
    transfer = first.transfers.get()
    actions.answer_transfer(transfer, accept=True, actor=network.bed_seonam)
    first.refresh_from_db()
    assert (first.hospital.code, first.bed) == ("SN", "severe")


def test_the_board_counts_who_waits_without_naming_them(network: Network) -> None:
    patient(network.city, "노원구", Tier.SEVERE, name="김서울")
    patient(network.city, "관악구", Tier.SEVERE)
    patient(network.city, "노원구", Tier.CRITICAL)
    client = Client()
    client.force_login(network.viewer)
    whole = client.get("/hospitals/board/")
    counts = {w.tier: w.count for w in whole.context["board"].waiting}
    assert counts == {"critical": 1, "severe": 2, "moderate": 0, "mild": 0}
    assert "김서울" not in whole.content.decode()
    northeast = client.get("/hospitals/board/NE/")
    assert {w.tier: w.count for w in northeast.context["board"].waiting}["severe"] == 1
