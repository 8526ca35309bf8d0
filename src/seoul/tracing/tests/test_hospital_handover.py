"""A confirmed case who needs hospital care is handed over to the hospital network through
its published interface, once, and the case page shows where the request stands."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from seoul.core.models import AuditEvent
from seoul.hospitals.interfaces import bed_request
from seoul.tracing.tests.builders import client_for, tracer_of
from seoul.tracing.tests.conftest import World

pytestmark = pytest.mark.django_db


def test_a_case_is_handed_over_to_the_hospital_network(world: World) -> None:
    case = world.make_case(onset=date(2020, 12, 1), confirmed_on=date(2020, 12, 2))
    tracer = tracer_of(case)
    c = client_for(tracer)
    with translation.override("en"):
        page = c.get(f"/tracing/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="hospital-form"' in page
    bad = c.post(f"/tracing/cases/{case.pk}/hospital-bed/", {"hospital-tier": "grave"})
    assert bad.status_code == 400 and not AuditEvent.objects.filter(event="hospitals.patient.handed_over").exists()
    done = c.post(
        f"/tracing/cases/{case.pk}/hospital-bed/", {"hospital-tier": "severe", "hospital-needs": ["dialysis"]}
    )
    assert done.status_code == 302
    case.refresh_from_db()
    request = bed_request(case.hospital_request)
    assert request is not None and request.status == "waiting"
    event = AuditEvent.objects.filter(event="tracing.case.updated", target_id=str(case.pk)).latest("id")
    assert event.new == {"hospital_request": request.reference, "tier": "severe"}
    handed = AuditEvent.objects.get(event="hospitals.patient.handed_over")
    assert handed.new == {"tier": "severe", "district": case.district, "case": case.reference}
    assert handed.target_label == request.reference
    with translation.override("en"):
        page = c.get(f"/tracing/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Bed request {request.reference}: Waiting for a bed" in page and 'id="hospital-form"' not in page
    # another district's tracer cannot hand this case over
    assert client_for(world.tracer_gangnam).post(
        f"/tracing/cases/{case.pk}/hospital-bed/", {"hospital-tier": "mild"}
    ).status_code in (403, 404)
    assert AuditEvent.objects.filter(event="hospitals.patient.handed_over").count() == 1
