"""Words for what the engines and the reference name by code: problems (field, line, reason),
marketplaces, countries, carriers, product categories."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from seoul.overseas.engine import reference as ref
from seoul.overseas.engine.problems import Problem


def lang() -> str:
    return "en" if (get_language() or "ko").startswith("en") else "ko"


def loc(obj: Any, field: str = "name") -> str:
    return str(getattr(obj, f"{field}_{lang()}", "") or getattr(obj, f"{field}_ko", ""))


COUNTRIES = {
    "AU": (gettext_lazy("Australia")),
    "CA": (gettext_lazy("Canada")),
    "DE": (gettext_lazy("Germany")),
    "ES": (gettext_lazy("Spain")),
    "FR": (gettext_lazy("France")),
    "GB": (gettext_lazy("United Kingdom")),
    "ID": (gettext_lazy("Indonesia")),
    "IT": (gettext_lazy("Italy")),
    "JP": (gettext_lazy("Japan")),
    "MY": (gettext_lazy("Malaysia")),
    "PH": (gettext_lazy("Philippines")),
    "SG": (gettext_lazy("Singapore")),
    "TH": (gettext_lazy("Thailand")),
    "TW": (gettext_lazy("Taiwan")),
    "US": (gettext_lazy("United States")),
    "VN": (gettext_lazy("Vietnam")),
}

CATEGORIES = [
    ("beauty", gettext_lazy("Cosmetics and beauty")),
    ("food", gettext_lazy("Processed food")),
    ("fashion", gettext_lazy("Clothing and accessories")),
    ("living", gettext_lazy("Household goods")),
    ("craft", gettext_lazy("Crafts and stationery")),
    ("other", gettext_lazy("Other goods")),
]

LANGUAGES = {
    "en": gettext_lazy("English"),
    "ja": gettext_lazy("Japanese"),
    "zh": gettext_lazy("Chinese"),
    "vi": gettext_lazy("Vietnamese"),
    "th": gettext_lazy("Thai"),
    "id": gettext_lazy("Indonesian"),
    "ms": gettext_lazy("Malay"),
}


def country(code: str) -> str:
    return str(COUNTRIES.get(code, code))


def marketplace(code: str) -> str:
    m = ref.programme().marketplace(code)
    return loc(m) if m else code


def carrier(code: str) -> str:
    c = ref.programme().subsidy.carrier(code)
    return loc(c) if c else code


def category(code: str) -> str:
    return str(dict(CATEGORIES).get(code, code))


def language(code: str) -> str:
    return str(LANGUAGES.get(code, code))


def field_name(marketplace_code: str, field: str) -> str:
    m = ref.programme().marketplace(marketplace_code)
    f = m.field(field) if m else None
    return loc(f) if f else SALES_COLUMNS.get(field, field)


SALES_COLUMNS: dict[str, Any] = {
    "month": gettext_lazy("Month"),
    "marketplace": gettext_lazy("Marketplace"),
    "country": gettext_lazy("Country"),
    "currency": gettext_lazy("Currency"),
    "orders": gettext_lazy("Orders"),
    "units": gettext_lazy("Units"),
    "gross_sales": gettext_lazy("Gross sales"),
    "returns": gettext_lazy("Returns"),
    "header": gettext_lazy("Header line"),
    "line": pgettext_lazy("file", "Line"),
    "file": gettext_lazy("File"),
}


def reason(p: Problem) -> str:
    """Why, in plain words."""
    q = p.params
    messages = {
        "required": _("This is required."),
        "too_long": _("At most %(max)s characters (now %(length)s).") % q if "max" in q else "",
        "too_short": _("At least %(min)s characters (now %(length)s).") % q if "min" in q else "",
        "too_many_items": _("At most %(max)s lines (now %(count)s).") % q if "count" in q else "",
        "item_too_long": _("Line %(item)s: at most %(max)s characters (now %(length)s).") % q if "item" in q else "",
        "not_integer": _("Enter a whole number."),
        "not_number": _("Enter a number, like 12.50."),
        "too_many_decimals": _("At most %(places)s decimal places.") % q if "places" in q else "",
        "below_min": _("At least %(min)s.") % q if "min" in q else "",
        "above_max": _("At most %(max)s.") % q if "max" in q else "",
        "not_allowed": _("Choose one of: %(allowed)s.") % q if "allowed" in q else "",
        "control_characters": _("Remove the control characters from this text."),
        "unknown_field": _("This marketplace has no such field."),
        "hs_format": _("An HS code has only digits, like 3304.99."),
        "hs_length": _("An HS code has 6 digits (or the 10 digits of the Korean HSK)."),
        "hs_chapter": _("An HS code starts with a chapter from 01 to 97."),
        "hs_reserved": _("Chapter 77 of the HS is reserved and holds no goods."),
        "hs_heading": _("The 3rd and 4th digits of an HS code (the heading) are never 00."),
        "too_large": _("The file is larger than %(max)s.") % q if "max" in q else "",
        "not_utf8": _("Save the file as CSV UTF-8 and upload it again."),
        "not_text": _("This is not a CSV text file."),
        "columns": _("The columns must be: %(expected)s.") % q if "expected" in q else "",
        "too_many_lines": _("At most %(max)s lines in one file.") % q if "max" in q else "",
        "extra_cells": _("This line has more cells than the header."),
        "month_format": _("Write the month as YYYY-MM, like 2026-10."),
        "month_future": _("This month has not ended yet."),
        "month_early": _("Months from %(earliest)s only.") % q if "earliest" in q else "",
        "unknown_marketplace": _("Not one of the programme's marketplaces."),
        "country_format": _("Use the two-letter country code, like US."),
        "country_not_sold": _("This marketplace sells to: %(countries)s.") % q if "countries" in q else "",
        "currency_format": _("Use the three-letter currency code, like USD."),
        "currency_unknown": _("Not one of the programme's currencies."),
        "units_below_orders": _("Units cannot be fewer than orders."),
        "returns_above_gross": _("Returns cannot be more than gross sales."),
        "no_rate": _("The programme has no exchange rate for %(currency)s in %(month)s: ask the officer.") % q
        if "month" in q
        else "",
        "duplicate_in_file": _("The same month, marketplace and country as line %(first)s.") % q
        if "first" in q
        else "",
    }
    return messages.get(p.code) or _("This value is not accepted.")


def problem_rows(problems: list[dict[str, Any]], marketplace_code: str = "") -> list[dict[str, Any]]:
    rows = []
    for d in problems:
        p = Problem.from_dict(d)
        rows.append(
            {
                "field": p.field,
                "name": field_name(marketplace_code, p.field)
                if marketplace_code
                else str(SALES_COLUMNS.get(p.field, p.field)),
                "line": p.line,
                "reason": reason(p),
            }
        )
    return rows
