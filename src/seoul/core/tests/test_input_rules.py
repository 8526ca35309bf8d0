"""The shared input rules: free text, dates, numbers and phone numbers, as forms, API schemas
and actions apply them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django import forms
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticError

from seoul.core import schemas
from seoul.core.engine import districts, phone, text
from seoul.core.forms import BoundedDateField, MultilineTextField, TextField
from seoul.core.validation import PANDEMIC_ERA, DateRange, check_number, check_text, today


@pytest.mark.parametrize(
    ("value", "single", "multi"),
    [
        ("세종대로 110", True, True),
        ("a\x00b", False, False),
        ("bell\x07", False, False),
        ("esc\x1b[31m", False, False),
        ("del\x7f", False, False),
        ("c1\x85", False, False),
        ("rtl\u202eoverride", False, False),
        ("isolate\u2066x\u2069", False, False),
        ("line\nbreak", False, True),
        ("tab\there", False, True),
        ("crlf\r\n", False, True),
        ("emoji 😷 and 한글", True, True),
    ],
)
def test_control_characters(value: str, single: bool, multi: bool) -> None:
    assert (not text.forbidden_characters(value)) is single
    assert (not text.forbidden_characters(value, multiline=True)) is multi


@given(st.text())
def test_the_published_patterns_agree_with_the_rules(value: str) -> None:
    import re

    # the OpenAPI patterns use \\uXXXX escapes, which Python's re understands as well
    assert bool(re.fullmatch(text.SINGLE_LINE_PATTERN, value)) == (not text.forbidden_characters(value))
    assert bool(re.fullmatch(text.MULTILINE_PATTERN, value)) == (not text.forbidden_characters(value, multiline=True))


def test_check_text_names_the_field_and_the_character() -> None:
    with pytest.raises(ValidationError) as refused:
        check_text("사업\x00명", "name", max_length=100)
    assert "name" in refused.value.message_dict and "U+0000" in refused.value.message_dict["name"][0]
    with pytest.raises(ValidationError) as short:
        check_text("  ", "name", max_length=100)
    assert "name" in short.value.message_dict
    with pytest.raises(ValidationError):
        check_text("x" * 101, "name", max_length=100)
    assert check_text("  서울  ", "name", max_length=100) == "서울"
    assert check_text("첫 줄\n둘째 줄", "note", max_length=100, multiline=True) == "첫 줄\n둘째 줄"


class _Form(forms.Form):
    title = TextField(max_length=50)
    note = MultilineTextField(required=False, max_length=500)
    day = BoundedDateField()


def test_form_fields_refuse_control_characters_and_out_of_range_dates() -> None:
    ok = _Form({"title": "그린뉴딜", "note": "둘째\n줄", "day": "2021-03-04"})
    assert ok.is_valid(), ok.errors
    bad = _Form({"title": "그린\x1b뉴딜", "note": "x\x00", "day": "0001-01-01"})
    assert not bad.is_valid()
    assert set(bad.errors) == {"title", "note", "day"}
    future = _Form({"title": "t", "day": (today() + timedelta(days=1)).isoformat()})
    assert not future.is_valid() and "day" in future.errors
    widget = str(_Form()["day"])
    assert 'min="2020-01-01"' in widget and f'max="{today().isoformat()}"' in widget


def test_date_range_and_numbers() -> None:
    era = DateRange(date(2020, 1, 1), lambda: date(2022, 12, 31))
    assert era.contains(date(2020, 1, 1)) and era.contains(date(2022, 12, 31))
    assert not era.contains(date(2019, 12, 31)) and not era.contains(date(2023, 1, 1))
    with pytest.raises(ValidationError) as refused:
        era.check(date(1, 1, 1), "reported_on")
    assert "reported_on" in refused.value.message_dict
    assert PANDEMIC_ERA.contains(today())
    for bad in (float("nan"), float("inf"), -1.0, 1e999):
        with pytest.raises(ValidationError):
            check_number(bad, "score", lo=0, hi=1000)
    assert check_number(12.5, "score", lo=0, hi=1000) == 12.5


def test_api_types_state_and_apply_the_same_rules() -> None:
    title = TypeAdapter(schemas.Text(max_length=10))
    assert title.validate_python("그린뉴딜") == "그린뉴딜"
    for bad in ("a\x00", "x" * 11, "a\nb"):
        with pytest.raises(PydanticError):
            title.validate_python(bad)
    assert title.json_schema()["pattern"] == text.SINGLE_LINE_PATTERN
    note = TypeAdapter(schemas.Text(max_length=100, multiline=True))
    assert note.validate_python("a\nb") == "a\nb"
    day = TypeAdapter(schemas.Day())
    assert day.validate_python("2021-05-06") == date(2021, 5, 6)
    for bad in ("0001-01-01", (today() + timedelta(days=1)).isoformat(), "9999-12-31"):
        with pytest.raises(PydanticError):
            day.validate_python(bad)
    score = TypeAdapter(schemas.Number(ge=0, le=1000))
    for bad in (float("nan"), float("inf"), 1e999, -1, 1001):
        with pytest.raises(PydanticError):
            score.validate_python(bad)
    assert score.json_schema() == {"type": "number", "minimum": 0, "maximum": 1000}


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("01012345678", "010-1234-5678"),
        ("010-1234-5678", "010-1234-5678"),
        ("010 1234 5678", "010-1234-5678"),
        ("0111234567", "011-123-4567"),
        ("021234567", "02-123-4567"),
        ("0212345678", "02-1234-5678"),
        ("0311234567", "031-123-4567"),
        ("07012345678", "070-1234-5678"),
        ("15881234", "1588-1234"),
        ("120", "120"),
        ("+82 10 1234 5678", "+82 10 1234 5678"),
    ],
)
def test_phone_numbers_are_written_as_people_write_them(raw: str, shown: str) -> None:
    assert phone.format_phone(raw) == shown


def test_phone_helpers() -> None:
    assert phone.is_mobile("010-1234-5678") and phone.is_mobile("0111234567")
    assert not phone.is_mobile("02-123-4567") and not phone.is_mobile("0101234567")
    assert phone.masked("01012345678") == "010-****-5678"


def test_districts_are_defined_once() -> None:
    every = districts.all_districts()
    assert len(every) == 25 and len({d.code for d in every}) == 25
    assert districts.by_name("마포구") == districts.by_name("Mapo-gu") == districts.by_name("mapo")
    assert districts.district(0).name("en") != districts.district(0).name("ko")
    with pytest.raises(KeyError):
        districts.district(25)
