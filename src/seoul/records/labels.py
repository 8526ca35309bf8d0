"""Words for the records service's codes, in the page's language: why a file was refused, why a
page was not read, which registration field was corrected. The engines give English details;
a person reads these instead."""

from __future__ import annotations

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


def step_detail(step: str, detail: str) -> str:
    """Preflight writes "<kind>, <pages>", metadata "type: <code>"; the rest is read as written."""
    if step == "preflight" and ", " in detail:
        kind, pages = detail.split(", ", 1)
        if pages.isdigit():
            n = int(pages)
            return f"{kind.upper()} · " + ngettext("%(n)s page", "%(n)s pages", n) % {"n": n}
    if step == "metadata" and detail.startswith("type: "):
        from seoul.records.models import DocumentType

        suggested = DocumentType.objects.filter(code=detail.removeprefix("type: ")).first()
        if suggested is None:
            return str(_("No type suggested."))
        return str(_("Suggested type: %(kind)s.") % {"kind": suggested.name})
    return detail
