"""Status badges that differ by meaning, in colour, words and shape (KRDS 배지).

Six kinds, each with its own colour pair (text on background at least 4.5:1) and icon, so colour is
never the only cue: ``success`` (approved, done: ✓), ``danger`` (refused, rejected, cancelled: ✕),
``warning`` (overdue, incomplete, more needed: △), ``alert`` (symptoms, became a case: solid red,
siren), ``neutral`` (pending, not started: ring) and ``info`` (in progress: i).

An app says what its statuses mean in ``<app>/badges.py``::

    KINDS = {"journey.status": {"complete": "success", "incomplete_no_exit": "warning", ...}}

keyed by ``<model_name>.<field>``, one kind per choice. Templates show a badge with
``{% status_badge journey "status" %}`` (the words are the choice's label) or, for a status that
is not a model field, ``{% status_badge "warning" _("overdue") %}``.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from django.db import models
from django.utils.html import format_html
from django.utils.safestring import SafeString

from seoul.core.registry import app_modules

log = logging.getLogger("seoul.badges")

MEANINGS = ("success", "danger", "warning", "alert", "neutral", "info")


@functools.cache
def status_kinds() -> dict[str, dict[str, dict[str, str]]]:
    """``{app_label: {"model.field": {value: kind}}}`` from every app's ``badges.KINDS``
    (this module is the core's own ``badges`` and declares none)."""
    return {label: module.KINDS for label, module in app_modules("badges")}


def kind_of(obj: models.Model, field: str) -> str:
    meta = obj._meta
    value = getattr(obj, field)
    kind = status_kinds().get(meta.app_label, {}).get(f"{meta.model_name}.{field}", {}).get(value)
    if kind is None:
        log.warning("no badge kind for %s.%s.%s = %r; shown as neutral", meta.app_label, meta.model_name, field, value)
        return "neutral"
    return kind


def badge(kind: str, label: Any) -> SafeString:
    if kind not in MEANINGS:
        raise ValueError(f"unknown badge kind {kind!r}; one of {', '.join(MEANINGS)}")
    return format_html(
        '<span class="status-badge status-badge--{}"><span class="status-badge-icon" aria-hidden="true"></span>{}</span>',
        kind,
        label,
    )


def status_badge(subject: Any, detail: Any) -> SafeString:
    """A model instance and the name of its status field, or a kind and the words to show."""
    if isinstance(subject, models.Model):
        field = str(detail)
        return badge(kind_of(subject, field), getattr(subject, f"get_{field}_display")())
    return badge(str(subject), detail)
