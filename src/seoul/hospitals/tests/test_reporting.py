"""Daily capacity reports through the action, the web form, the CSV upload and the FHIR
interface: accepted, corrected, refused with the reason while the last good report stays."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation

from seoul.core import actions as core_actions
from seoul.core.models import AuditEvent
from seoul.hospitals import state
from seoul.hospitals.engine import fhir, tabular
from seoul.hospitals.models import CapacityReport
from seoul.hospitals.tests.builders import report, reported
from seoul.hospitals.tests.conftest import Network

pytestmark = pytest.mark.django_db


def test_refused_report_is_kept_and_the_last_good_one_stays(network: Network) -> None:
    good = reported(network.smc, network.today, network.bed_smc, critical=(10, 8, 10, 2))
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        reported(network.smc, network.today, network.bed_smc, critical=(10, 12, 10, 0))
    assert refused.value.message_dict == {"critical_occupied": ["More beds occupied than there are beds (10)."]}
    newest = state.latest_reports([network.smc.pk])[network.smc.pk]
    assert newest.pk == good.pk
    kept = CapacityReport.objects.get(status=CapacityReport.Status.REFUSED)
    assert kept.problems == [{"field": "critical.occupied", "fault": "occupied_over_total", "limit": 10}]
    assert kept.refused_input["beds"]["critical"]["occupied"] == 12
    assert AuditEvent.objects.filter(event="hospitals.report.refused", target_id=str(kept.pk)).exists()


def test_a_correction_supersedes_and_both_are_kept(network: Network) -> None:
    first = reported(network.smc, network.today, network.bed_smc, severe=(20, 10, 20, 10))
    second = reported(network.smc, network.today, network.bed_smc, severe=(20, 12, 20, 8))
    first.refresh_from_db()
    assert first.status == CapacityReport.Status.SUPERSEDED
    assert state.latest_reports([network.smc.pk])[network.smc.pk].pk == second.pk
    assert AuditEvent.objects.filter(event="hospitals.report.corrected", target_id=str(second.pk)).count() == 1


def test_more_beds_than_licensed_are_refused(network: Network) -> None:
    assert network.smc.licensed_beds == 623
    with pytest.raises(ValidationError) as refused:
        reported(network.smc, network.today, network.bed_smc, moderate=(600, 0, 600, 600), severe=(30, 0, 30, 30))
    assert "623" in refused.value.message_dict["beds"][0]


def test_a_bed_manager_reports_only_for_their_hospital(network: Network) -> None:
    with pytest.raises(PermissionDenied):
        reported(network.seonam, network.today, network.bed_smc, severe=(5, 1, 5, 4))
    client = Client()
    client.force_login(network.bed_smc)
    assert client.get(f"/hospitals/report/{network.seonam.code}/").status_code == 404
    assert client.get(f"/hospitals/report/{network.smc.code}/").status_code == 200


def _form(day: str, **cells: int) -> dict[str, str]:
    return {"day": day, **{k: str(v) for k, v in cells.items()}}


def test_web_form_refuses_a_contradiction_on_the_field(network: Network) -> None:
    client = Client()
    client.force_login(network.bed_smc)
    url = f"/hospitals/report/{network.smc.code}/"
    day = network.today.isoformat()
    bad = _form(day, critical_total=10, critical_occupied=4, critical_staffed=6, critical_available=5)
    page = client.post(url, bad, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400
    text = page.content.decode()
    assert "A bed without staff is not available: at most 2 (staffed beds minus occupied)." in text
    assert 'id="id_critical_available_error"' in text
    assert CapacityReport.objects.filter(status="refused").count() == 1
    assert not CapacityReport.objects.filter(status="accepted").exists()
    ok = client.post(url, _form(day, critical_total=10, critical_occupied=4, critical_staffed=6, critical_available=2))
    assert ok.status_code == 302
    assert CapacityReport.objects.get(status="accepted").beds.get(kind="critical").available == 2


def test_csv_upload_keeps_the_good_rows(network: Network) -> None:
    yesterday = network.today - timedelta(days=1)
    rows = [
        tabular.to_row(report("SMC", yesterday, severe=(20, 10, 20, 10))),
        tabular.to_row(report("SMC", network.today, severe=(20, 25, 20, 0))),
        tabular.to_row(report("SN", network.today, severe=(8, 1, 8, 7))),
        {**tabular.to_row(report("SMC", network.today, mild=(5, 1, 5, 4))), "mild_staffed": "many"},
    ]
    out = io.StringIO()
    out.write("\ufeff" + ",".join(tabular.COLUMNS) + "\n")
    for r in rows:
        out.write(",".join(r[c] for c in tabular.COLUMNS) + "\n")
    client = Client()
    client.force_login(network.bed_smc)
    upload = io.BytesIO(out.getvalue().encode())
    upload.name = "reports.csv"
    page = client.post("/hospitals/report/upload/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 of 4 rows accepted" in text
    assert "You do not report for this hospital." in text  # line 4: Seonam is not theirs
    assert "many is not a whole number." in text and "Mild: staffed" in text  # the form's label, not the column
    accepted = CapacityReport.objects.filter(status="accepted")
    assert [(r.hospital.code, r.day) for r in accepted] == [("SMC", yesterday)]
    assert CapacityReport.objects.filter(status="refused", day=network.today).count() == 1


def test_csv_with_an_unknown_column_is_refused_whole(network: Network) -> None:
    client = Client()
    client.force_login(network.bed_smc)
    upload = io.BytesIO(b"hospital,day,beds_total\nSMC,2020-12-01,3\n")
    upload.name = "x.csv"
    page = client.post("/hospitals/report/upload/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400
    assert "Column beds_total: unknown column" in page.content.decode()
    assert not CapacityReport.objects.exists()


@pytest.fixture
def token(network: Network) -> str:
    return core_actions.issue_token(None, network.bed_smc, "his")


def _post_fhir(body: dict[str, Any], token: str) -> Any:
    return Client().post(
        "/api/v1/hospitals/fhir/MeasureReport",
        json.dumps(body),
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_fhir_round_trip_of_a_day(network: Network, token: str) -> None:
    sent = report("SMC", network.today, critical=(12, 9, 12, 3), isolation=(20, 5, 20, 15))
    body = fhir.to_measure_report(sent)
    client = Client()
    created = client.post(
        "/api/v1/hospitals/fhir/MeasureReport",
        json.dumps(body),
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert created.status_code == 201, created.content
    assert created["Content-Type"] == "application/fhir+json"
    back = client.get(
        "/api/v1/hospitals/fhir/MeasureReport",
        {"subject": "Organization/SMC", "date": network.today.isoformat()},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert back.status_code == 200
    assert fhir.from_measure_report({k: v for k, v in back.json().items() if k != "id"}) == sent
    assert CapacityReport.objects.get(status="accepted").channel == "fhir"


def test_fhir_refuses_an_invalid_resource_with_the_path(network: Network, token: str) -> None:
    body = fhir.to_measure_report(report("SMC", network.today, critical=(12, 9, 12, 3)))
    body["group"][0]["population"][0]["count"] = "twelve"
    answer = _post_fhir(body, token)
    assert answer.status_code == 422
    outcome = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["group[0].population[0].count"]
    assert not CapacityReport.objects.exists()


def test_fhir_refuses_an_impossible_report_and_keeps_it(network: Network, token: str) -> None:
    body = fhir.to_measure_report(report("SMC", network.today, critical=(12, 13, 12, 0)))
    answer = _post_fhir(body, token)
    assert answer.status_code == 422
    issue = answer.json()["issue"][0]
    assert issue["code"] == "business-rule"
    assert issue["expression"] == ["critical_occupied"]
    assert CapacityReport.objects.get().status == "refused"


def test_fhir_for_another_hospital_is_forbidden(network: Network, token: str) -> None:
    body = fhir.to_measure_report(report("SN", network.today, severe=(8, 1, 8, 7)))
    answer = _post_fhir(body, token)
    assert answer.status_code == 403
    assert not CapacityReport.objects.exists()


def test_board_and_public_summary(network: Network) -> None:
    reported(network.smc, network.today, network.bed_smc, critical=(12, 9, 12, 3))
    reported(network.seonam, network.today - timedelta(days=3), network.bed_seonam, critical=(6, 6, 6, 0))
    public = Client().get("/hospitals/")
    assert public.status_code == 200
    # SMC reported today; Seonam three days ago is stale; the dental hospital has no beds
    assert (public.context["reporting"], public.context["hospitals"]) == (1, 10)
    assert public.context["city"].totals["critical"].total == 12  # Seonam's stale 6 beds are not counted
    client = Client()
    client.force_login(network.viewer)
    board = client.get("/hospitals/board/", HTTP_ACCEPT_LANGUAGE="en")
    assert board.status_code == 200
    assert board.context["board"].totals["critical"].available == 3
    stale = [r.hospital.code for r in board.context["board"].alerts]
    assert "SN" in stale and "SMC" not in stale
    assert Client().get("/hospitals/board/").status_code in (302, 403)
    actions_denied = Client()
    actions_denied.force_login(network.outsider)
    assert actions_denied.get("/hospitals/board/").status_code == 403
