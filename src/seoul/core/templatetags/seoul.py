from __future__ import annotations

from typing import Any

from django import forms, template
from django.utils.translation import get_language, gettext_lazy, ngettext

from seoul.core import badges
from seoul.core.engine.money import format_krw
from seoul.core.engine.phone import format_phone
from seoul.core.navigation import previous_page
from seoul.core.personal_data import purpose_label

register = template.Library()


@register.filter
def loc(obj: Any, field: str) -> str:
    """The English value of ``<field>_en`` when the page is in English and one exists, else Korean."""
    if (get_language() or "ko").startswith("en"):
        value = getattr(obj, f"{field}_en", "")
        if value:
            return str(value)
    return str(getattr(obj, f"{field}_ko", ""))


@register.filter
def krw(value: int | None) -> str:
    # A missing context value arrives as "": show a dash rather than failing the page.
    try:
        amount = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    return format_krw(amount, lang=(get_language() or "ko")[:2])


# Reasons written by the platform itself rather than chosen on the reason form.
FIXED_REASONS = {
    "own account": gettext_lazy("The person's own account"),
    "own application": gettext_lazy("The applicant's own file"),
    "search by business registration number": gettext_lazy("Search by business registration number"),
    "within the auto-approval rules": gettext_lazy("Within the automatic approval rules"),
    "documents_uploaded": gettext_lazy("Uploaded documents to be checked by an examiner"),
    "business registration names another representative": gettext_lazy(
        "The business registration names another representative"
    ),
    "corporate registration names no such representative director": gettext_lazy(
        "The corporate registration does not name the applicant as a representative director"
    ),
    "one application in progress per business": gettext_lazy("One application in progress per business"),
}


@register.filter
def audit_reason(reason: str) -> str:
    """A stored reason (``code: detail`` from the reason form, or a fixed one) in words."""
    if reason in FIXED_REASONS:
        return str(FIXED_REASONS[reason])
    code, sep, detail = reason.partition(": ")
    label = purpose_label(code)
    return f"{label}: {detail}" if sep and label else reason


@register.filter
def audit_values(value: Any) -> str:
    """Old or new values of an event as ``key: value`` pairs, one after another."""
    if isinstance(value, dict):
        return " · ".join(f"{k}: {v}" for k, v in value.items())
    return "" if value is None else str(value)


@register.filter
def phone(value: str | None) -> str:
    """A telephone number as people write it (010-1234-5678)."""
    return format_phone(value) if value else "—"


@register.filter
def pct(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


@register.filter
def period(days: int | None) -> str:
    """A retention period in words: "28 days", or "5 years (1,826 days)" when it is whole years."""
    if days is None:
        return ""
    in_days = ngettext("%(n)s day", "%(n)s days", days) % {"n": f"{days:,}"}
    years = round(days / 365.25)
    if years and abs(days - years * 365.25) < 2:
        return ngettext("%(years)d year (%(days)s)", "%(years)d years (%(days)s)", years) % {
            "years": years,
            "days": in_days,
        }
    return in_days


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)


@register.filter
def event_label(code: str) -> str:
    from seoul.core.audit import event_label as label

    return str(label(code))


@register.simple_tag(takes_context=True)
def back_url(context: template.Context) -> str:
    """The page the reader came from on this site, or "" (error pages' way back)."""
    request = context.get("request")
    return previous_page(request) if request is not None else ""


@register.filter
def first_input_id(field: forms.BoundField) -> str:
    """The id of the field's first input, where an error summary link should take the reader.

    A radio or checkbox group's label points nowhere (``id_for_label`` is ""): its first option.
    A multi-widget's inputs are numbered ``<id>_0``, ``<id>_1``, ...
    """
    if field.id_for_label:
        return str(field.id_for_label)
    if isinstance(field.field.widget, forms.MultiWidget):
        return f"{field.auto_id}_0"
    options = field.subwidgets
    return str(options[0].id_for_label) if options else str(field.auto_id)


@register.simple_tag
def status_badge(subject: Any, detail: Any) -> str:
    """``{% status_badge obj "status" %}`` or ``{% status_badge "warning" label %}`` (``core/badges.py``)."""
    return badges.status_badge(subject, detail)
