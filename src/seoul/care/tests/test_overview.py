"""The overview compares one design check across centres (its result and key figure, failing and
worst first) and downloads as CSV (UTF-8 with a BOM, the header in the page's language, the
same centres and filters as the page)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from seoul.care import selectors
from seoul.care.engine import checks as engine_checks
from seoul.care.engine import facility as engine_facility
from seoul.care.models import Facility
from seoul.care.tests.builders import add, client_of, example_file, example_model
from seoul.core.engine.districts import by_name
from seoul.core.models import AuditEvent, User

pytestmark = pytest.mark.django_db
MAPO = by_name("마포구").index
GANGNAM = by_name("강남구").index
STARVED_SUPPLY = 72.0  # m³/h for 해님반 (3 children, 1 teacher): 18 m³/h a person, half the rule's 36


def _starve_class_0(model: dict[str, Any]) -> None:
    for entry in model["ventilation"]:
        if entry["room"] == "class_0":
            entry["supply_m3h"] = STARVED_SUPPLY


def _persons(model: dict[str, Any], room: str) -> int:
    occ = next(o for o in model["occupancy"] if o["room"] == room)
    return int(sum(occ["children"].values()) + occ.get("teachers", 0) + occ.get("other_adults", 0))


def _lowest_rate(model: dict[str, Any]) -> float:
    """The example's lowest outdoor air per person, as the engine computes it (not the page)."""
    result = engine_checks.run_checks(engine_facility.parse_facility(model), only=["ventilation_rate"])[0]
    return min(float(r["m3h_per_person"]) for r in result.evidence["rooms"])


@pytest.fixture
def two_centres(designer: User) -> dict[str, Facility]:
    """마포: the example (passes the ventilation check); 강남: 해님반's supply cut (fails it)."""
    c = client_of(designer)
    assert add(c, example="on", name="마포 하늘 어린이집", district=MAPO).status_code == 302
    assert add(c, model=example_file(_starve_class_0), name="강남 숲 어린이집", district=GANGNAM).status_code == 302
    return {f.name: f for f in Facility.objects.all()}


def test_one_check_is_compared_across_centres_with_its_key_figure(
    two_centres: dict[str, Facility], reader: User
) -> None:
    page = client_of(reader).get("/care/?check=ventilation_rate")
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [r["facility"].name for r in rows] == ["강남 숲 어린이집", "마포 하늘 어린이집"]  # failing first
    failing, passing = rows[0]["check"], rows[1]["check"]
    starved = STARVED_SUPPLY / _persons(example_model(), "class_0")
    assert failing["passed"] is False and failing["figure"] == pytest.approx(starved, abs=0.05)
    assert passing["passed"] is True and passing["figure"] == pytest.approx(_lowest_rate(example_model()), abs=0.05)
    assert passing["figure"] >= 36 > failing["figure"]
    table = page.text.split('id="compare"')[1].split("</table>")[0]
    assert "Lowest outdoor air per person" in table and f"{starved:,.0f}" in table
    assert "Below 36 m³/h" in failing["summary"]  # what failed, in the page's language


def test_a_check_a_centre_fails_by_design_shows_what_failed(two_centres: dict[str, Facility], reader: User) -> None:
    ko = client_of(reader, "ko").get("/care/?check=washbasin_on_entry")
    rows = {r["facility"].name: r["check"] for r in ko.context["rows"]}
    washbasin = engine_checks.run_checks(engine_facility.parse_facility(example_model()), only=["washbasin_on_entry"])[
        0
    ]
    expected = float(len(washbasin.evidence["failing_rooms"]))
    assert expected > 0 and all(not c["passed"] and c["figure"] == expected for c in rows.values())
    assert rows["마포 하늘 어린이집"]["summary"] == washbasin.summary_ko  # Korean page, Korean summary
    assert ko.context["check_title"] == "입실 동선상 세면대"
    # a centre that fixed it passes, and sorts after those that fail
    c = client_of(User.objects.get(pk=two_centres["마포 하늘 어린이집"].created_by_id))
    mapo = two_centres["마포 하늘 어린이집"]
    assert c.post(f"/care/{mapo.pk}/apply/", {"version": 1, "change": "washbasin:entrance"}).status_code == 302
    after = client_of(reader).get("/care/?check=washbasin_on_entry").context["rows"]
    assert [(r["facility"].name, r["check"]["passed"], r["check"]["figure"]) for r in after] == [
        ("강남 숲 어린이집", False, expected),
        ("마포 하늘 어린이집", True, 0.0),
    ]


def test_every_check_has_a_title_and_a_figure_rule() -> None:
    assert list(selectors.check_titles()) == list(engine_checks.check_ids())
    assert set(selectors.FIGURES) == set(engine_checks.check_ids())


def test_an_unknown_check_is_refused_not_guessed(two_centres: dict[str, Facility], reader: User) -> None:
    page = client_of(reader).get("/care/?check=nonsense")
    assert page.status_code == 400 and 'id="id_check_error"' in page.text
    assert client_of(reader).get("/care/facilities.csv?check=nonsense").status_code == 404


def _csv(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())  # BOM: Excel reads the Korean
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_overview_downloads_as_csv_with_the_pages_filters(two_centres: dict[str, Facility], reader: User) -> None:
    got = client_of(reader, "en").get("/care/facilities.csv")
    assert got.status_code == 200 and got["Content-Type"].startswith("text/csv")
    assert got["Content-Disposition"].startswith('attachment; filename="care-facilities-')
    header, *rows = _csv(got.content)
    assert header[:5] == ["Facility", "Kind of facility", "District", "Version", "Checks failed"]
    by_name = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    assert set(by_name) == {"마포 하늘 어린이집", "강남 숲 어린이집"}
    listing = {r["facility"].name: r for r in client_of(reader).get("/care/").context["rows"]}
    for name, row in by_name.items():
        assert int(row["Checks failed"]) == listing[name]["failed"]
        assert float(row["Expected infections a month (January)"]) == pytest.approx(listing[name]["cases"], abs=1e-3)
    assert by_name["강남 숲 어린이집"]["District"] == "Gangnam-gu"
    assert "Washbasin on every way in" in by_name["마포 하늘 어린이집"]["Failed checks"]
    # the chosen check, in Korean, one district
    ko = client_of(reader, "ko").get(f"/care/facilities.csv?check=ventilation_rate&district={GANGNAM}")
    header, *rows = _csv(ko.content)
    assert header[:3] == ["시설", "시설 종류", "자치구"]  # the header follows the page's language
    assert len(rows) == 1 and rows[0][0] == "강남 숲 어린이집" and rows[0][2] == "강남구"
    starved = STARVED_SUPPLY / _persons(example_model(), "class_0")
    assert float(rows[0][-2]) == pytest.approx(starved, abs=0.05)
    event = AuditEvent.objects.filter(event="data.exported").order_by("pk").last()
    assert event is not None and event.new["rows"] == 1 and event.new["check"] == "ventilation_rate"
