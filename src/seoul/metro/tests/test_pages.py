"""The metro pages as a citizen or staff member reads them (issue #11 §2): one language per
page, plain words never codes, the disputes list filters and sorts, a rejected dispute says why,
each dispute form has its own ids."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from seoul.core.testing import ReasonClient
from seoul.metro import actions, selectors
from seoul.metro.models import Dispute
from seoul.metro.tests import builders
from seoul.metro.tests.builders import CITY_HALL, GANGNAM, GANGNAM_SBD, SEOUL_STATION, YANGJAE_3, YEOKSAM

pytestmark = pytest.mark.django_db
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def in_english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def main_text(response: object) -> str:
    """The page's main content as text (tags dropped): what the reader reads."""
    body = response.content.decode()  # type: ignore[attr-defined]
    main = body[body.index("<main") : body.index("</main>")]
    return re.sub(r"<[^>]+>", " ", main)


def test_the_fare_calculator_speaks_the_pages_language(gates: None) -> None:
    english = in_english(Client()).get("/metro/", {"origin": "Seoul Station", "destination": "city hall"})
    assert english.status_code == 200
    text = main_text(english)
    assert "Seoul Station → City Hall" in text
    assert '<option value="Seoul Station">' in english.content.decode()
    # English pages name the data's sources in English too (the station data itself is Korean)
    assert not HANGUL.search(text), HANGUL.findall(text)[:20]
    korean = Client().get("/metro/", {"origin": "seoulstation", "destination": "시청역"})
    assert "서울역 → 시청" in main_text(korean)


def test_an_unknown_station_is_answered_in_the_pages_language(gates: None) -> None:
    r = in_english(Client()).get("/metro/", {"origin": "Gangnum", "destination": "City Hall"})
    assert r.status_code == 400
    text = main_text(r)
    assert "Did you mean" in text and "Gangnam" in text
    assert not HANGUL.search(text)


def test_a_sinbundang_section_is_named_in_words(gates: None) -> None:
    for client, words in ((Client(), "강남–정자"), (in_english(Client()), "Gangnam–Jeongja")):
        r = client.get("/metro/", {"origin": "강남", "destination": "판교", "sinbundang": "on"})
        text = main_text(r)
        assert words in text
        assert "GANGNAM-JEONGJA" not in text


def test_a_question_the_tariffs_cannot_answer_is_refused_in_the_pages_language(gates: None) -> None:
    """The fare engine refuses a Sinbundang journey before its first surcharge table in English
    ("no SBD surcharge table in force on ..."); the page used to show that sentence as it was."""
    query = {"origin": "강남", "destination": "판교", "sinbundang": "on", "at": "2024-01-10T12:00"}
    r = Client().get("/metro/", query)
    assert r.status_code == 400
    text = main_text(r)
    assert "2025-06-28" in text and "surcharge table" not in text
    assert HANGUL.search(text.split("2025-06-28")[0][-40:])  # the sentence around the date is Korean
    english = main_text(in_english(Client()).get("/metro/", query))
    assert "Sinbundang line fares in our data start on 2025-06-28" in english


def test_every_pair_of_stations_is_connected() -> None:
    """The fare form relies on it (it refuses no pair): the engine's "no path" never reaches a page."""
    from seoul.metro.engine import data
    from seoul.metro.engine.network import UNREACHABLE

    net = data.network()
    assert int((net.all_lines >= UNREACHABLE).sum()) == 0
    plain = [i for i, s in enumerate(net.names) if not net.only_on_separately_charged(s)]
    assert int((net.integrated[plain][:, plain] >= UNREACHABLE).sum()) == 0


def _traffic() -> None:
    builders.rider("phone-1")
    now = timezone.now()
    builders.ingest(
        builders.journey_events("a", "phone-1", SEOUL_STATION, CITY_HALL, now - timedelta(hours=3))
        + builders.journey_events("b", "phone-1", GANGNAM_SBD, YANGJAE_3, now - timedelta(hours=2))
        + builders.flagged_events("f", GANGNAM, 3, now - timedelta(hours=1))
    )


def test_the_operations_page_names_gates_and_stations_in_words(gates: None) -> None:
    _traffic()
    viewer = builders.staff("metro.viewer", "viewer")
    korean, english = Client(), in_english(Client())
    for c in (korean, english):
        c.force_login(viewer)
    ko, en = main_text(korean.get("/metro/operations/")), main_text(english.get("/metro/operations/"))
    assert "G-2-222" not in ko and "G-1-150" not in en
    assert "강남 2호선" in ko and "Gangnam, Line 2" in en
    assert "Seoul Station" in en and "Line 1" in en
    assert not HANGUL.search(en), HANGUL.findall(en)[:20]


def test_the_revenue_chart_draws_one_series_without_a_legend() -> None:
    spec = selectors.revenue_chart([{"day": timezone.localdate(), "won": 2_500_000}])
    assert "color" not in spec["encoding"] and "legend" not in str(spec)
    assert spec["encoding"]["x"]["axis"]["labelOverlap"] == "parity"
    assert spec["encoding"]["y"]["axis"]["labelOverlap"] is True


@pytest.fixture
def riders_disputes(gates: None) -> tuple[Dispute, Dispute]:
    kim = builders.person("kim")
    builders.rider("phone-1", user=kim)
    now = timezone.now()
    first = builders.journey("a", "phone-1", SEOUL_STATION, CITY_HALL, now - timedelta(hours=5))
    second = builders.journey("b", "phone-1", GANGNAM, YEOKSAM, now - timedelta(hours=3))
    return (
        actions.open_dispute(first, "시청에서 내렸는데 두 번 청구되었습니다.", actor=kim),
        actions.open_dispute(second, "강남에서 탄 적이 없습니다.", actor=kim),
    )


def test_a_rejected_dispute_tells_the_rider_why_and_what_next(riders_disputes: tuple[Dispute, Dispute]) -> None:
    first, _ = riders_disputes
    approver = builders.staff("metro.approver", "approver")
    actions.resolve_dispute(first, refund=0, resolution="게이트 기록상 하차는 한 번입니다.", actor=approver)
    c = Client()
    c.force_login(first.rider.user)
    text = main_text(c.get("/metro/me/"))
    assert "게이트 기록상 하차는 한 번입니다." in text
    assert "기각 사유" in text and "다음에 할 수 있는 일" in text
    english = in_english(Client())
    english.force_login(first.rider.user)
    assert "Why it was rejected" in main_text(english.get("/metro/me/"))


def test_each_dispute_form_has_its_own_ids_and_the_error_summary_links_to_one(gates: None) -> None:
    kim = builders.person("kim")
    builders.rider("phone-1", user=kim)
    now = timezone.now()
    builders.journey("a", "phone-1", SEOUL_STATION, CITY_HALL, now - timedelta(hours=5))
    b = builders.journey("b", "phone-1", GANGNAM, YEOKSAM, now - timedelta(hours=3))
    c = Client()
    c.force_login(kim)
    page = c.get("/metro/me/").content.decode()
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    failed = c.post(f"/metro/me/journeys/{b.key}/dispute/", {"reason": "짧음"})
    assert failed.status_code == 400
    body = failed.content.decode()
    (target,) = re.findall(r'class="error-summary".*?href="#([^"]+)"', body, re.S)
    assert f'id="{target}"' in body and target.startswith(f"dispute-{b.pk}-")


def test_the_disputes_list_filters_and_sorts(riders_disputes: tuple[Dispute, Dispute]) -> None:
    first, second = riders_disputes
    approver = builders.staff("metro.approver", "approver")
    actions.resolve_dispute(first, refund=0, resolution="기록상 정상 청구입니다.", actor=approver)
    c = ReasonClient("metro.dispute", "민원 2026-12")
    c.force_login(approver)

    def listed(**query: str) -> list[int]:
        r = c.get("/metro/disputes/", query)
        assert r.status_code == 200, r.content[:300]
        return [int(pk) for pk in re.findall(r'href="/metro/disputes/(\d+)/"', r.content.decode())]

    assert listed() == [second.pk]  # open ones by default
    assert listed(status="rejected") == [first.pk]
    assert listed(status="", sort="newest") == [second.pk, first.pk]
    assert listed(status="", sort="oldest") == [first.pk, second.pk]
    assert listed(status="", station="Gangnam") == [second.pk]
    assert listed(status="", station="시청역") == [first.pk]
    assert listed(status="", age="1") == []
    assert listed(status="", min_charge="99999") == []
    bad = c.get("/metro/disputes/", {"station": "Atlantis"})
    assert (bad.status_code == 400 and "Did you mean" in bad.content.decode()) or "역" in bad.content.decode()


def test_the_empty_disputes_filter_is_kept_per_language_and_a_filled_one_never(
    riders_disputes: tuple[Dispute, Dispute],
) -> None:
    approver = builders.staff("metro.approver", "approver")
    korean = Client()
    korean.force_login(approver)
    english = in_english(Client())
    english.force_login(approver)
    for _ in range(2):  # the second time from the kept fragment
        assert 'for="id_sort">정렬' in korean.get("/metro/disputes/").content.decode()
        assert 'for="id_sort">Sort by' in english.get("/metro/disputes/").content.decode()
    filled = korean.get("/metro/disputes/", {"station": "서울역", "sort": "newest"}).content.decode()
    assert 'value="서울역"' in filled and '<option value="newest" selected>' in filled
    assert '<option value="newest" selected>' not in korean.get("/metro/disputes/").content.decode()
