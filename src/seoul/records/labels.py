"""Words for the records service's codes, in the page's language: why a file was refused, why a
page was not read, which registration field was corrected. The engines give English details;
a person reads these instead."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

REFUSALS: dict[str, Any] = {
    "empty": _("The file is empty (0 bytes)."),
    "too_large": _("The file is larger than the size limit."),
    "unknown_type": _("This is not a PDF, JPEG, PNG or TIFF file."),
    "encrypted": _("The PDF is protected by a password or encrypted; send it without protection."),
    "damaged": _("The file is damaged and cannot be opened."),
    "too_many_pages": _("The file has more pages than one record may have; split it into parts."),
    "not_a_document": _("The image is too small or too narrow to be a scanned page."),
    "duplicate": _("The same file was already received."),
    "missing": _("The received file was lost before it could be read; send it again."),
    "unreadable": _("The file could not be read."),
}
PAGE_REASONS: dict[str, Any] = {
    "no text found on this page": _("No text was found on this page."),
}
FIELDS: dict[str, Any] = {
    "title": _("Title"),
    "produced_on": _("Date produced"),
    "doc_type": _("Type of record"),
    "completed_year": _("Year the work was completed"),
    "retention": _("Retention period"),
    "disclosure": _("Disclosure"),
    "exemptions": _("Grounds for not disclosing"),
}


def refusal(code: str, detail: str) -> str:
    """The refusal in the reader's words, with the engine's detail when the code is unknown."""
    return str(REFUSALS[code]) if code in REFUSALS else detail


def page_reason(reason: str) -> str:
    if reason in PAGE_REASONS:
        return str(PAGE_REASONS[reason])
    return str(_("This page could not be read.")) if reason else ""


_OCR_DONE = re.compile(r"^(?P<seconds>[0-9.]+) s, (?P<engine>.+)$")
_PAGE_FAILED = re.compile(r"p\.(?P<n>[0-9]+): (?P<reason>[^;]*)")


def step_detail(step: str, detail: str, outcome: str = "done") -> str:
    """The pipeline's detail in the reader's words: a refusal's code, preflight's "<kind>,
    <pages>", OCR's "<seconds> s, <engine>" or its failed pages, metadata's "type: <code>"."""
    if detail in REFUSALS:
        return str(REFUSALS[detail])
    if step == "sign" and outcome == "failed":
        return str(_("The timestamp authority did not answer; the copy is kept and will be signed later."))
    if step == "ocr":
        done = _OCR_DONE.match(detail)
        if done:
            return str(_("%(seconds)s s, %(engine)s") % done.groupdict())
        failed = [
            str(_("page %(n)s: %(reason)s") % {"n": m["n"], "reason": page_reason(m["reason"])})
            for m in _PAGE_FAILED.finditer(detail)
        ]
        if failed:
            return "; ".join(failed)
    if step == "preflight" and ", " in detail:
        kind, count = detail.split(", ", 1)
        if count.isdigit():
            n = int(count)
            return f"{kind.upper()} · " + ngettext("%(n)s page", "%(n)s pages", n) % {"n": n}
    if step == "metadata" and detail.startswith("type: "):
        from seoul.records.models import DocumentType

        suggested = DocumentType.objects.filter(code=detail.removeprefix("type: ")).first()
        if suggested is None:
            return str(_("No type suggested."))
        return str(_("Suggested type: %(kind)s.") % {"kind": suggested.name})
    return detail


def field_value(field: str, value: Any) -> str:
    """A corrected field's stored value (a code) as a person reads it."""
    from seoul.records.models import DISCLOSURE_CHOICES, RETENTION_CHOICES, DocumentType

    if value in (None, "", []):
        return "–"
    if field == "retention":
        return str(dict(RETENTION_CHOICES).get(value, value))
    if field == "disclosure":
        return str(dict(DISCLOSURE_CHOICES).get(value, value))
    if field == "exemptions":
        return ", ".join(str(n) for n in value)
    if field == "doc_type":
        kind = DocumentType.objects.filter(code=value).first()
        return kind.name if kind else str(value)
    return str(value)
