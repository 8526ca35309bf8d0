"""Every form of the fund takes free text and dates through the shared fields (``core.forms``)
and bounds its numbers — the platform's rule (``tests/test_form_inputs.py``), applied here to the
fund's forms including the fields they add when built."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms

from seoul.core.forms import BoundedDateField, TextField
from seoul.fund import forms as fund_forms
from seoul.fund.tests import builders

pytestmark = pytest.mark.django_db


def _built(cls: type[forms.Form]) -> forms.Form:
    if cls.__name__ == "ApplyForm":
        return cls(call=builders.call())
    kwargs: dict[str, Any] = {
        "ScreeningForm": {"meetings": None},
        "MeetingForm": {"members": None},
        "KpiForm": {"quarters": [(2026, 1)]},
        "MemberForm": {"candidates": None},
    }.get(cls.__name__, {})
    return cls(**kwargs)


def fund_fields() -> Iterator[tuple[str, str, forms.Field]]:
    for name, cls in vars(fund_forms).items():
        if inspect.isclass(cls) and issubclass(cls, forms.Form) and cls.__module__ == fund_forms.__name__:
            for field_name, field in _built(cls).fields.items():
                yield name, field_name, field


def test_the_fund_forms_use_the_shared_fields() -> None:
    seen = set()
    for owner, name, field in fund_fields():
        seen.add(owner)
        if isinstance(field, forms.CharField):
            assert isinstance(field, TextField), f"{owner}.{name} is a plain CharField"
        if isinstance(field, forms.DateField):
            assert isinstance(field, BoundedDateField), f"{owner}.{name} is a plain DateField"
        if isinstance(field, forms.IntegerField | forms.DecimalField):
            assert field.max_value is not None, f"{owner}.{name} has no upper bound"
    assert {"CallForm", "CloseCallForm", "MemberForm", "VerifyForm"} <= seen
