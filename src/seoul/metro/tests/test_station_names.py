"""English station names: the Revised Romanization engine, the curated table of translated
names, the data in stations.csv, and station search in both languages (issue #11 §2)."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from seoul.metro.engine import data
from seoul.metro.engine.network import UnknownStation, search_key
from seoul.metro.engine.romanize import romanize

# Official English names that follow the Revised Romanization (station signs of Seoul Metro,
# Korail and the other operators): each checks a sound-change rule of the engine.
SIGNED = {
    "강남": "Gangnam",
    "역삼": "Yeoksam",  # ㄱ before a consonant is k
    "신림": "Sillim",  # ㄴ + ㄹ → ll
    "선릉": "Seolleung",
    "문래": "Mullae",
    "별내": "Byeollae",  # ㄹ + ㄴ → ll
    "잠실나루": "Jamsillaru",
    "종로3가": "Jongno 3(sam)-ga",  # ㅇ + ㄹ → ng n; a numbered 가
    "충정로": "Chungjeongno",
    "정릉": "Jeongneung",
    "청량리": "Cheongnyangni",
    "왕십리": "Wangsimni",  # ㅂ + ㄹ → m n
    "답십리": "Dapsimni",
    "독립문": "Dongnimmun",  # ㄱ + ㄹ → ng n, ㅂ + ㅁ → m m
    "마곡나루": "Magongnaru",  # ㄱ + ㄴ → ng n
    "학여울": "Hagyeoul",  # linking
    "길음": "Gireum",  # ㄹ before a vowel is r
    "녹번": "Nokbeon",
    "압구정": "Apgujeong",  # tensing not written
    "국회의사당": "Gukhoeuisadang",  # aspiration of ㄱ + ㅎ not written in nouns; ㅢ is ui
    "의정부": "Uijeongbu",
    "뚝섬": "Ttukseom",
    "까치산": "Kkachisan",
    "을지로4가": "Euljiro 4(sa)-ga",
    "광화문": "Gwanghwamun",
    "경복궁": "Gyeongbokgung",
    "노량진": "Noryangjin",
    "대림": "Daerim",
    "상록수": "Sangnoksu",
    "옥수": "Oksu",
}


@pytest.mark.parametrize(("korean", "english"), SIGNED.items())
def test_the_engine_writes_the_signed_names(korean: str, english: str) -> None:
    assert romanize(korean) == english


def test_the_engine_refuses_what_is_not_hangul() -> None:
    with pytest.raises(ValueError, match="not a Hangul syllable"):
        romanize("4.19민주묘지")


def _rows() -> list[dict[str, str]]:
    with (data.REFERENCE / "stations.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _curated() -> dict[str, dict[str, str]]:
    with (data.REFERENCE / "station_names_en.csv").open(encoding="utf-8", newline="") as fh:
        return {r["station"]: r for r in csv.DictReader(fh)}


def test_every_station_has_an_english_name_by_rule_or_from_the_curated_table() -> None:
    curated = _curated()
    english: dict[str, set[str]] = defaultdict(set)
    for row in _rows():
        name, en, source = row["station"], row["name_en"], row["name_en_source"]
        english[name].add(en)
        if name in curated:
            assert (source, en) == ("curated", curated[name]["name_en"]), name
        else:
            assert (source, en) == ("rule", romanize(name)), name
        assert (en.isascii() and en[:1].isupper()) or en[:1].isdigit(), en
        assert row["line_name_en"].isascii(), row["line_name_en"]
    assert all(len(v) == 1 for v in english.values())  # one English name per station, on every line
    assert set(curated) <= set(english)
    assert {r["checked"] for r in curated.values()} <= {"issue #11 (official example)", "unverified"}


@pytest.mark.parametrize(
    ("typed", "station"),
    [
        ("Seoul Station", "서울역"),
        ("seoul station", "서울역"),
        ("SEOULSTATION", "서울역"),
        ("Seoul", "서울역"),
        ("서울 역", "서울역"),
        ("서울", "서울역"),
        ("City Hall", "시청"),
        ("시청역", "시청"),
        ("Sports Complex", "종합운동장"),
        ("Dongdaemun History & Culture Park", "동대문역사문화공원"),
        ("dongdaemun history and culture park", "동대문역사문화공원"),
        ("Hongik University", "홍대입구"),
        ("Euljiro 1-ga", "을지로입구"),
        ("Jongno 3-ga", "종로3가"),
        ("gangnam station", "강남"),
        ("Myeongdong", "명동"),
        ("Sillim", "신림"),
    ],
)
def test_search_finds_korean_and_english_names_in_any_form(typed: str, station: str) -> None:
    assert data.network().resolve(typed) == station


def test_every_station_is_found_by_its_own_names() -> None:
    net = data.network()
    for name in net.names:
        assert net.resolve(name) == name
        assert net.resolve(net.name_en(name)) == name, net.name_en(name)
        assert net.resolve(net.name_en(name).upper().replace(" ", "")) == name


def test_a_misspelt_english_name_gets_english_suggestions() -> None:
    with pytest.raises(UnknownStation) as info:
        data.network().resolve("Gangnum")
    assert "강남" in info.value.suggestions


def test_search_key() -> None:
    assert search_key("Seoul Station") == search_key("seoul-station ") == "seoul"
    assert search_key("서울역") == search_key("서울 역") == "서울"
    assert search_key("역") == "역"  # a name is never reduced to nothing
