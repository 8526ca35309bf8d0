"""Who sees which centre (``models.scope_of``): the city's and the Seoul Design Foundation's care
staff see every centre; a district childcare officer only their districts'; a daycare director
only the centres they direct; a centre outside the reader's scope is a 404 on every page and
download, and the actions refuse it too. Care administrators set the districts and directors,
audited; the demo has one of each."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from seoul.care import actions, demo, selectors
from seoul.care.errors import CareError
from seoul.care.events import CareEvent
from seoul.care.models import DistrictOfficer, Facility, FacilityDirector, scope_of
from seoul.care.tests.builders import add, client_of
from seoul.core import demo as core_demo
from seoul.core.engine.districts import by_name
from seoul.core.errors import Refused
from seoul.core.models import AuditEvent, User
from seoul.core.roles import Role, Service

pytestmark = pytest.mark.django_db
MAPO = by_name("마포구").index
GANGNAM = by_name("강남구").index


@pytest.fixture
def centres(designer: User) -> dict[str, Facility]:
    """Two centres in 마포구 and one in 강남구, all from the example model."""
    c = client_of(designer)
    for name, district in (("마포 하늘 어린이집", MAPO), ("마포 바다 어린이집", MAPO), ("강남 숲 어린이집", GANGNAM)):
        assert add(c, example="on", name=name, district=district).status_code == 302
    return {f.name: f for f in Facility.objects.all()}


def _listed(c: Client, query: str = "") -> list[str]:
    page = c.get(f"/care/{query}")
    assert page.status_code == 200
    return sorted(r["facility"].name for r in page.context["rows"])


def _pages(item: Facility) -> list[str]:
    """Every page and download of one facility a reader may open."""
    return [
        f"/care/{item.pk}/",
        f"/care/{item.pk}/report.pdf",
        f"/care/{item.pk}/plan.svg",
        f"/care/{item.pk}/model/1.json",
        f"/care/{item.pk}/changes/washbasin:entrance/",
    ]


def test_a_district_officer_sees_only_their_districts_centres(
    centres: dict[str, Facility], make_user: Callable[..., User]
) -> None:
    officer = make_user(institution=None, roles={Service.CARE: Role.VIEWER})
    c = client_of(officer)
    assert _listed(c) == []  # no district yet: nothing
    actions.set_districts(officer, [MAPO], actor=None)
    assert _listed(c) == ["마포 바다 어린이집", "마포 하늘 어린이집"]
    assert "Mapo-gu" in c.get("/care/").context["scope"]
    mapo = centres["마포 하늘 어린이집"]
    assert c.get(f"/care/{mapo.pk}/").status_code == 200
    assert c.get(f"/care/{mapo.pk}/model/1.json").status_code == 200
    gangnam = centres["강남 숲 어린이집"]
    for url in _pages(gangnam):
        assert c.get(url).status_code == 404, url
    csv = c.get("/care/facilities.csv").content.decode("utf-8-sig")
    assert "마포 하늘 어린이집" in csv and "강남 숲 어린이집" not in csv
    actions.set_districts(officer, [MAPO, GANGNAM], actor=None)  # a second district adds its centres
    assert len(_listed(c)) == 3 and c.get(f"/care/{gangnam.pk}/").status_code == 200


def test_a_director_sees_only_the_centres_they_direct(
    centres: dict[str, Facility], make_user: Callable[..., User]
) -> None:
    director = make_user(institution=None, roles={Service.CARE: Role.VIEWER})
    mine = centres["마포 하늘 어린이집"]
    actions.set_director(director, mine, directs=True, actor=None)
    c = client_of(director)
    assert _listed(c) == ["마포 하늘 어린이집"]
    assert c.get(f"/care/{mine.pk}/").status_code == 200
    for other in ("마포 바다 어린이집", "강남 숲 어린이집"):  # the same district's other centre too
        for url in _pages(centres[other]):
            assert c.get(url).status_code == 404, url
    assert c.get("/care/new/").status_code == 403  # a reader adds nothing
    actions.set_director(director, mine, directs=False, actor=None)
    assert _listed(c) == []


def test_city_and_design_foundation_staff_see_every_centre_and_others_none(
    centres: dict[str, Facility], designer: User, reader: User, make_user: Callable[..., User]
) -> None:
    everything = sorted(centres)
    assert _listed(client_of(reader)) == everything  # the city's care-policy staff
    assert _listed(client_of(designer)) == everything  # the Seoul Design Foundation's designers
    administrator = make_user(institution="SEOUL_METRO", roles={Service.CARE: Role.ADMIN})
    assert _listed(client_of(administrator)) == everything
    elsewhere = make_user(institution="SEOUL_METRO", roles={Service.CARE: Role.VIEWER})
    assert _listed(client_of(elsewhere)) == []
    assert client_of(elsewhere).get(f"/care/{centres['강남 숲 어린이집'].pk}/").status_code == 404
    # an assignment narrows: city staff given a district see only it
    actions.set_districts(reader, [GANGNAM], actor=None)
    assert _listed(client_of(reader)) == ["강남 숲 어린이집"]


def test_an_operator_changes_and_adds_only_within_their_scope(
    centres: dict[str, Facility], make_user: Callable[..., User]
) -> None:
    officer = make_user(institution=None, roles={Service.CARE: Role.OPERATOR})
    actions.set_districts(officer, [MAPO], actor=None)
    c = client_of(officer)
    gangnam, mapo = centres["강남 숲 어린이집"], centres["마포 하늘 어린이집"]
    assert c.post(f"/care/{gangnam.pk}/apply/", {"version": 1, "change": "washbasin:entrance"}).status_code == 404
    with pytest.raises(Refused) as refused:  # the action checks the scope itself
        actions.apply_change(gangnam, number=1, change="washbasin:entrance", actor=officer)
    assert refused.value.code == CareError.NOT_IN_SCOPE
    assert c.post(f"/care/{mapo.pk}/apply/", {"version": 1, "change": "washbasin:entrance"}).status_code == 302
    assert mapo.versions.count() == 2 and gangnam.versions.count() == 1
    elsewhere = add(c, example="on", name="강남 새 어린이집", district=GANGNAM)
    assert elsewhere.status_code == 400 and 'id="id_district_error"' in elsewhere.text
    assert add(c, example="on", name="마포 새 어린이집", district=MAPO).status_code == 302


def test_a_care_administrator_sets_districts_and_directors_audited(
    centres: dict[str, Facility], reader: User, make_user: Callable[..., User]
) -> None:
    administrator = make_user(institution="CITY_HALL", roles={Service.CARE: Role.ADMIN})
    officer = make_user(institution=None, roles={Service.CARE: Role.VIEWER}, username="gu.officer")
    director = make_user(institution=None, roles={Service.CARE: Role.VIEWER}, username="centre.director")
    outsider = make_user(institution="SEOUL_METRO", roles={Service.METRO: Role.VIEWER})
    c = client_of(administrator)
    page = c.get("/care/readers/")
    assert page.status_code == 200 and "gu.officer" in page.text and outsider.username not in page.text
    missing = c.post("/care/readers/", {"form": "officer", "officer-districts": [MAPO]})
    assert missing.status_code == 400 and 'id="id_officer-user_error"' in missing.text
    assert not DistrictOfficer.objects.exists()
    assert client_of(administrator, "ko").get("/care/readers/").status_code == 200
    saved = c.post("/care/readers/", {"form": "officer", "officer-user": officer.pk, "officer-districts": [MAPO]})
    assert saved.status_code == 302
    assert list(DistrictOfficer.objects.filter(user=officer).values_list("district", flat=True)) == [MAPO]
    mine = centres["강남 숲 어린이집"]
    data = {"form": "director", "director-user": director.pk, "director-facility": mine.pk, "director-directs": "yes"}
    assert c.post("/care/readers/", data).status_code == 302
    assert FacilityDirector.objects.get().user == director
    assert scope_of(User.objects.get(pk=director.pk)).facilities == {mine.pk}
    emptied = c.post("/care/readers/", {"form": "officer", "officer-user": officer.pk})  # no district: ends it
    assert emptied.status_code == 302 and not DistrictOfficer.objects.filter(user=officer).exists()
    events = AuditEvent.objects.filter(event__startswith="care.scope.").order_by("pk")
    assert [(e.event, e.old, e.new) for e in events] == [
        (CareEvent.DISTRICTS_SET, {"districts": []}, {"districts": [MAPO]}),
        (CareEvent.DIRECTOR_SET, {"director": None}, {"director": "centre.director"}),
        (CareEvent.DISTRICTS_SET, {"districts": [MAPO]}, {"districts": []}),
    ]
    assert all(e.actor == administrator for e in events)
    assert client_of(reader).get("/care/readers/").status_code == 403
    with pytest.raises(Refused):
        actions.set_districts(officer, [MAPO], actor=reader)
    stranger = make_user(institution=None, roles={Service.METRO: Role.VIEWER})
    with pytest.raises(Exception, match="role in the care service"):
        actions.set_director(stranger, mine, directs=True, actor=administrator)


def test_the_demo_has_a_mapo_officer_and_the_example_centres_director(
    reference: None,
    settings,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    settings.VAR_DIR = tmp_path
    core_demo.load()
    counts = demo.load()
    assert counts == {"facilities": 2, "readers": 2}
    assert demo.load() == counts  # a second run adds nothing
    printed = {a["username"]: a for a in demo.demo_accounts()}
    assert set(printed) == {"care.mapo", "care.director"} and all(a["password"] for a in printed.values())
    centre = Facility.objects.get(name=demo.CENTRE)
    assert centre.district == MAPO
    improved = Facility.objects.get(name=demo.IMPROVED[0])
    assert improved.district != MAPO and improved.versions.count() == 1 + len(demo.IMPROVED_CHANGES)
    latest = improved.versions.order_by("-number").first()
    assert latest is not None and not selectors.evaluation(latest, 1)["failed_before"]  # the fixed centre passes
    officer, director = User.objects.get(username="care.mapo"), User.objects.get(username="care.director")
    assert scope_of(officer).districts == {MAPO} and scope_of(director).facilities == {centre.pk}
    assert client_of(director).get(f"/care/{centre.pk}/").status_code == 200
    assert officer.check_password(printed["care.mapo"]["password"])
