"""Line lists out: what the supervisor sees, as CSV or XLSX with its data dictionary, a reason
first and every export audited."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from seoul.core.models import AuditEvent
from seoul.tracing import actions, exports
from seoul.tracing.tests.builders import client_for
from seoul.tracing.tests.conftest import GANGNAM, World

pytestmark = pytest.mark.django_db


def test_a_contacts_line_list_in_xlsx_carries_its_dictionary_and_only_what_the_reader_sees(world: World) -> None:
    mine = world.make_contact(world.make_case(), name="마포접촉")
    world.make_contact(world.make_case(district=GANGNAM), district=GANGNAM, name="강남접촉")
    plain = Client()
    plain.force_login(world.supervisor_mapo)
    asked = plain.get("/tracing/exports/contacts.xlsx")
    assert asked.status_code in (200, 302) and "spreadsheetml" not in asked["Content-Type"]  # a reason first
    c = client_for(world.supervisor_mapo, "tracing.supervision")
    response = c.get("/tracing/exports/contacts.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    data, dictionary = (list(ws.iter_rows(values_only=True)) for ws in book.worksheets)
    assert list(data[0]) == exports.header("contacts") == [row[0] for row in dictionary[1:]]
    assert [row[0] for row in data[1:]] == [mine.reference]  # the Gangnam contact is not the reader's
    assert data[1][exports.header("contacts").index("name")] == "마포접촉"
    event = AuditEvent.objects.get(event="personal_data.exported")
    assert event.new == {"rows": 1, "what": "contacts", "format": "xlsx", "outbreak": None}
    assert event.reason.startswith("tracing.supervision")


def test_follow_ups_and_lab_results_in_csv_and_the_dictionary_without_a_reason(world: World) -> None:
    case = world.make_case()
    contact = world.make_contact(case)
    actions.record_follow_up(
        contact, world.today, "seen_symptoms", symptom_list=["cough"], temperature=37.8, actor=None
    )
    c = client_for(world.supervisor_mapo, "tracing.supervision")
    body = c.get(f"/tracing/exports/follow_ups.csv?outbreak={world.outbreak.pk}").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(r["contact"], r["status"], r["symptoms"], r["temperature_c"], r["alerts"]) for r in rows] == [
        (contact.reference, "seen_symptoms", "fever, cough", "37.8", "fever, cough")
    ]
    assert c.get("/tracing/exports/lab_results.csv").status_code == 200
    plain = Client()
    plain.force_login(world.supervisor_mapo)
    dictionary = plain.get("/tracing/exports/cases/dictionary.csv")  # no personal data: no reason asked
    names = [r[0] for r in csv.reader(io.StringIO(dictionary.content.decode("utf-8-sig")))][1:]
    assert names == exports.header("cases")
    assert c.get("/tracing/exports/people.csv").status_code == 404
    assert client_for(world.tracer_mapo).get("/tracing/exports/contacts.csv").status_code == 403
