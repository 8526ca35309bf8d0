"""The care pages: a designer adds a centre from its model, reads its failed checks, applies the
offered washbasin and sees the check pass and the ranking change; a reader compares centres but
changes nothing; every model is kept as a version (seoul/care/views.py, actions.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from seoul.care.models import Facility, FacilityVersion
from seoul.care.tests.builders import add as _add
from seoul.care.tests.builders import client_of
from seoul.care.tests.builders import example_file as _example_file
from seoul.core.models import AuditEvent, User
from seoul.core.roles import Role, Service

pytestmark = pytest.mark.django_db
WASHBASIN = "washbasin_on_entry"


def _change_id(page: Any, kind_prefix: str) -> str | None:
    for row in page.context["result"]["ranking"]:
        if row["id"].startswith(kind_prefix):
            return str(row["id"])
    return None


def test_a_designer_fixes_the_washbasin_check_by_applying_the_offered_change(designer: User) -> None:
    c = client_of(designer)
    added = _add(c, model=_example_file())
    item = Facility.objects.get()
    assert added.status_code == 302 and added["Location"] == f"/care/{item.pk}/"
    page = c.get(added["Location"])
    assert page.status_code == 200
    failed = page.context["result"]["failed_before"]
    assert WASHBASIN in failed and 'id="check-washbasin_on_entry"' in page.text
    change = _change_id(page, "washbasin")
    assert change is not None
    before = [r["id"] for r in page.context["result"]["ranking"]]
    applied = c.post(f"/care/{item.pk}/apply/", {"version": 1, "change": change})
    assert applied.status_code == 302
    assert list(item.versions.values_list("number", "source")) == [(2, "change"), (1, "json")]
    after = c.get(f"/care/{item.pk}/")
    assert WASHBASIN not in after.context["result"]["failed_before"]
    ranking = [r["id"] for r in after.context["result"]["ranking"]]
    assert change not in ranking and ranking != before
    old = c.get(f"/care/{item.pk}/?version=1")  # the earlier model is kept and still shows its failures
    assert WASHBASIN in old.context["result"]["failed_before"] and "Apply" not in old.text.split('id="changes-h"')[1]
    again = c.post(f"/care/{item.pk}/apply/", {"version": 1, "change": change})  # a stale page
    assert again.status_code == 302 and item.versions.count() == 2
    events = list(AuditEvent.objects.filter(event__startswith="care.").order_by("pk").values_list("event", flat=True))
    assert events == ["care.facility.added", "care.change.applied"]


def test_a_bad_model_is_refused_with_each_problem_and_where(designer: User) -> None:
    def breaks(model: dict[str, Any]) -> None:
        model["rooms"][0]["ceiling_height_m"] = 0.5
        model["doors"][0]["rooms"] = ["entrance", "nowhere"]

    refused = _add(client_of(designer), model=_example_file(breaks))
    assert refused.status_code == 400
    assert "rooms[0]" in refused.text and "doors[0]" in refused.text
    assert not Facility.objects.exists()
    wrong = _add(client_of(designer), model=SimpleUploadedFile("plan.dwg", b"x"))
    assert wrong.status_code == 400 and ".ifc" in wrong.text
    neither = _add(client_of(designer))
    assert neither.status_code == 400 and 'id="id_model_error"' in neither.text


def test_the_example_centre_and_a_new_upload_become_versions(designer: User) -> None:
    c = client_of(designer, "ko")
    _add(c, example="on")
    item = Facility.objects.get()
    assert item.versions.get().source == FacilityVersion.Source.EXAMPLE
    upload = c.post(f"/care/{item.pk}/", {"model": _example_file(), "note": "도면 갱신"})
    assert upload.status_code == 302
    assert list(item.versions.values_list("number", "note")) == [(2, "도면 갱신"), (1, "")]
    page = c.get(f"/care/{item.pk}/")
    assert "입실 동선상 세면대" in page.text  # the Korean page names the checks in Korean
    model = c.get(f"/care/{item.pk}/model/2.json")
    assert model.status_code == 200 and json.loads(model.content)["rooms"]


def test_a_reader_compares_centres_but_changes_nothing(designer: User, reader: User) -> None:
    _add(client_of(designer), example="on")
    item = Facility.objects.get()
    c = client_of(reader)
    listing = c.get("/care/")
    assert listing.status_code == 200 and item.name in listing.text and "Add a facility" not in listing.text
    page = c.get(f"/care/{item.pk}/")
    assert page.status_code == 200 and "/apply/" not in page.text
    assert c.post(f"/care/{item.pk}/apply/", {"version": 1, "change": "x"}).status_code == 403
    assert c.get("/care/new/").status_code == 403
    outsider = Client()
    assert outsider.get(f"/care/{item.pk}/").status_code in (302, 403)


def test_an_administrator_sets_unit_costs_and_the_ranking_follows(
    designer: User, reader: User, make_user: Callable[..., User]
) -> None:
    admin = make_user(institution="SDF", roles={Service.CARE: Role.ADMIN})
    _add(client_of(designer), example="on")
    item = Facility.objects.get()

    def order() -> list[str]:
        page = client_of(reader).get(f"/care/{item.pk}/")
        return [r["id"].split(":")[0] for r in page.context["result"]["ranking"] if r["tier"] == 1]

    assert order().index("washbasin") < order().index("service_door")
    c = client_of(admin)
    form = c.get("/care/costs/").context["form"]
    values = {name: field.initial for name, field in form.fields.items() if name != "note"}
    refused = c.post("/care/costs/", {**values, "washbasin_won": -5, "note": "견적"})
    assert refused.status_code == 400 and 'id="id_washbasin_won_error"' in refused.text
    saved = c.post("/care/costs/", {**values, "washbasin_won": 9_000_000, "note": "2026 견적"})
    assert saved.status_code == 302
    assert order().index("service_door") < order().index("washbasin")
    assert client_of(reader).post("/care/costs/", {**values, "note": "x"}).status_code == 403
    event = AuditEvent.objects.get(event="care.costs.changed")
    assert (event.old, event.new) == ({"washbasin_won": 1_500_000.0}, {"washbasin_won": 9_000_000.0})


def test_the_plan_is_drawn_on_the_page_and_the_report_is_a_pdf_in_the_pages_language(designer: User) -> None:
    _add(client_of(designer), example="on")
    item = Facility.objects.get()
    page = client_of(designer, "ko").get(f"/care/{item.pk}/")
    svg = page.text.split('<figure class="plan">')[1].split("</figure>")[0]
    assert svg.startswith("<svg") and svg.count('data-kind="route"') >= 5  # the washbasin check's routes
    assert "<script" not in svg and "해님반 (만0세)" in svg
    assert f"/care/{item.pk}/plan.svg?version=1&amp;month=1" in page.text
    big = client_of(designer, "en").get(f"/care/{item.pk}/plan.svg?version=1&month=7")
    assert big.status_code == 200 and big["Content-Type"].startswith("image/svg+xml")
    assert big.content.startswith(b'<svg xmlns="http://www.w3.org/2000/svg"') and b'width="1800"' in big.content
    assert b'lang="en"' in big.content and b'data-kind="route"' in big.content
    for lang, word in (("ko", "감염예방 설계 점검 보고서"), ("en", "Infection-prevention design report")):
        pdf = client_of(designer, lang).get(f"/care/{item.pk}/report.pdf?version=1&month=7")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 20_000
        from pypdfium2 import PdfDocument

        doc = PdfDocument(pdf.content)
        text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
        assert word in text and "현관·인계공간" in text, text[:500]
        assert len(doc) >= 2


def test_a_change_side_by_side_shows_the_plan_checks_and_rooms_before_and_after(designer: User) -> None:
    c = client_of(designer, "ko")
    _add(c, example="on")
    item = Facility.objects.get()
    page = c.get(f"/care/{item.pk}/")
    door = _change_id(page, "service_door")
    assert door is not None and f"/care/{item.pk}/changes/{door}/" in page.text
    compared = c.get(f"/care/{item.pk}/changes/{door}/")
    assert compared.status_code == 200
    checks = {row["id"]: (row["before"], row["after"]) for row in compared.context["compared"]["checks"]}
    assert checks["route_separation"] == (False, True) and checks["washbasin_on_entry"] == (False, False)
    assert compared.text.count('<figure class="plan">') == 2
    # the same colour scale on both plans: the first legend bin is the same text
    assert compared.text.count("0.5 미만") == 2
    assert c.get(f"/care/{item.pk}/changes/nothing:here/").status_code == 404
    airing = _change_id(page, "windows")
    assert airing is not None  # the window airing is a rule kept with the plan: applied like any change
    assert f"/care/{item.pk}/apply/" in c.get(f"/care/{item.pk}/changes/{airing}/").text


def test_the_overview_compares_centres_by_district(designer: User, reader: User) -> None:
    c = client_of(designer)
    _add(c, example="on")
    _add(c, example="on", name="강남 어린이집", district=0)
    fixed = Facility.objects.get(name="강남 어린이집")
    page = c.get(f"/care/{fixed.pk}/")
    for prefix in ("washbasin", "service_door", "ventilation_rebalance"):
        change = _change_id(c.get(f"/care/{fixed.pk}/"), prefix)
        number = fixed.versions.order_by("-number").first().number
        assert c.post(f"/care/{fixed.pk}/apply/", {"version": number, "change": change}).status_code == 302
    assert page.status_code == 200
    listing = client_of(reader).get("/care/")
    names = [r["facility"].name for r in listing.context["rows"]]
    assert sorted(names) == ["강남 어린이집", "해오름 어린이집"]
    assert len(listing.context["totals"]) == 2
    failing = client_of(reader).get("/care/?failing=on")
    assert [r["facility"].name for r in failing.context["rows"]] == ["해오름 어린이집"]
    one = client_of(reader).get("/care/?district=0")
    assert [r["facility"].name for r in one.context["rows"]] == ["강남 어린이집"]
    assert one.context["rows"][0]["failed"] == 0
