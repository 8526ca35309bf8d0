"""Building blocks of the API schemas every app uses (django-ninja / pydantic): free text that
refuses control characters, dates within a range, finite bounded numbers, and the error
responses every operation documents (401, 403, 404, 422).

The same rules as ``core.validation``, expressed so that the OpenAPI document states them
(``pattern``, ``minimum``/``maximum``, ``format``) and schemathesis can test against them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, Field, WithJsonSchema

from seoul.core.engine import text as text_rules
from seoul.core.validation import PANDEMIC_ERA, DateRange


def _clean_text(multiline: bool) -> Any:
    def check(value: str) -> str:
        found = text_rules.forbidden_characters(value, multiline=multiline)
        if found:
            raise ValueError(f"control characters are not allowed ({text_rules.describe(found)})")
        return value

    return check


def Text(*, max_length: int, min_length: int = 0, multiline: bool = False) -> Any:
    """``str`` of the given length without control characters (``multiline``: newlines and tabs allowed)."""
    pattern = text_rules.MULTILINE_PATTERN if multiline else text_rules.SINGLE_LINE_PATTERN
    return Annotated[
        str,
        Field(min_length=min_length, max_length=max_length, json_schema_extra={"pattern": pattern}),
        AfterValidator(_clean_text(multiline)),
    ]


def Day(dates: DateRange = PANDEMIC_ERA) -> Any:
    """A calendar date within ``dates`` (ISO 8601, ``YYYY-MM-DD``)."""

    def check(value: date) -> date:
        if not dates.contains(value):
            raise ValueError(f"must be from {dates.earliest.isoformat()} to {dates.latest().isoformat()}")
        return value

    return Annotated[
        date,
        AfterValidator(check),
        WithJsonSchema(
            {
                "type": "string",
                "format": "date",
                "description": f"from {dates.earliest.isoformat()} to today (Seoul time)",
            }
        ),
    ]


def Number(*, ge: float, le: float) -> Any:
    """A finite number from ``ge`` to ``le`` (NaN and infinities refused)."""
    return Annotated[float, Field(ge=ge, le=le, allow_inf_nan=False)]


class ErrorItem(Schema):
    loc: list[str | int] = Field(description="where: body/query/path, then the field (and item index)")
    msg: str = Field(description="why, in words")
    type: str = Field(description="a stable code, e.g. missing, value_error, tracing.not_in_scope")


class ErrorOut(Schema):
    detail: str | list[ErrorItem] = Field(description="a sentence, or one entry per field that is wrong")


def errors(*codes: int) -> dict[int, Any]:
    """Documented error responses of an operation, e.g. ``response={200: Out, **errors(401, 403, 422)}``."""
    return dict.fromkeys(codes, ErrorOut)
