"""Template tags of the guarantee pages (``{% load guarantee %}``): a company's facts
(``{% company_facts app as company %}``) and the problems of one of an application's documents
(``{% document_problems app "corporate_registration" as problems %}``), in words."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from seoul.guarantee import selectors
from seoul.guarantee.engine.documents import CompanySummary
from seoul.guarantee.labels import BUSINESS_STATUS, PROBLEM_LABELS
from seoul.guarantee.models import Application

register = template.Library()


@register.simple_tag
def company_facts(app: Application) -> CompanySummary | None:
    """What the company's documents say (None: not a company, or its registration not fetched)."""
    return selectors.company_of(app, timezone.localdate())


@register.simple_tag
def document_problems(app: Application, kind: str) -> list[tuple[str, Any]]:
    """The problems of the application's document of ``kind``, each once, with their words."""
    doc = app.documents.filter(kind=kind).first()
    codes = dict.fromkeys(str(p.get("code", "")) for p in (doc.problems if doc is not None else []) or [])
    return [(code, PROBLEM_LABELS.get(code, PROBLEM_LABELS["invalid_value"])) for code in codes]


@register.filter
def company_status(code: str) -> Any:
    """A company's status on its corporate registration, in words."""
    return BUSINESS_STATUS.get(code, "—")
