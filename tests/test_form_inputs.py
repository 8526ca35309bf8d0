"""Every form of every service takes free text and dates through the shared fields
(``core.forms``): text refuses control characters, dates have a sane range. A plain
``CharField`` or ``DateField`` added later fails here."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator

import pytest
from django import forms

from seoul.core.forms import BoundedDateField, BoundedDateTimeField, TextField

MODULES = [
    "seoul.core.views",
    "seoul.core.personal_data",
    *[
        f"seoul.{app}.forms"
        for app in (
            "business",
            "care",
            "fund",
            "guarantee",
            "hospitals",
            "metro",
            "overseas",
            "plan",
            "records",
            "tracing",
        )
    ],
]


def declared_fields() -> Iterator[tuple[str, str, forms.Field]]:
    for name in MODULES:
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, forms.Form) and value.__module__ == name:
                for field_name, field in value.base_fields.items():
                    yield f"{name}.{attr}", field_name, field
    from seoul.guarantee import forms as guarantee_forms
    from seoul.guarantee.views import QUESTIONS

    for question in QUESTIONS:
        for field_name, field in guarantee_forms.question_form(question).fields.items():
            yield f"guarantee question {question}", field_name, field


FIELDS = list(declared_fields())


def test_the_walk_finds_the_forms() -> None:
    owners = {owner for owner, _, _ in FIELDS}
    assert len(owners) >= 20 and any("TimelineForm" in o for o in owners)


@pytest.mark.parametrize(("owner", "name", "field"), FIELDS, ids=[f"{o}.{n}" for o, n, _ in FIELDS])
def test_text_and_dates_use_the_shared_fields(owner: str, name: str, field: forms.Field) -> None:
    if isinstance(field, forms.CharField) and not isinstance(field, forms.EmailField | forms.URLField):
        assert isinstance(field, TextField), f"{owner}.{name} is a plain CharField: use core.forms.TextField"
    if isinstance(field, forms.DateTimeField):
        assert isinstance(field, BoundedDateTimeField), f"{owner}.{name}: use core.forms.BoundedDateTimeField"
    elif isinstance(field, forms.DateField):
        assert isinstance(field, BoundedDateField), f"{owner}.{name}: use core.forms.BoundedDateField"
    if isinstance(field, forms.DecimalField):
        assert field.max_value is not None or field.max_digits is not None, f"{owner}.{name} has no bound"
    elif isinstance(field, forms.IntegerField | forms.FloatField):
        assert field.max_value is not None or isinstance(field.widget, forms.HiddenInput), (
            f"{owner}.{name} has no bound"
        )
