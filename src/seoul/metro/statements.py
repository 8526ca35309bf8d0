"""A rider's monthly statement: every movement of the month on their ledger account (journey
charges and their corrections, passes, refunds, payments from and to their card) with totals,
as CSV and as PDF.

The PDF is written here, without a PDF library (the project has none, and one page of text
does not need one): PDF 1.4 text with the Korean CID font ``HYGoThic-Medium`` in the
``UniKS-UCS2-H`` encoding, one of the CJK fonts every conforming reader must supply (Adobe's
CJK font packs; pdf.js and Chromium substitute a system Korean font), so no font is embedded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.http import HttpResponse
from django.utils import formats
from django.utils.translation import gettext as _

from seoul.core.engine.time import SEOUL
from seoul.core.exports import csv_response
from seoul.metro.engine import data
from seoul.metro.models import Journey, LedgerTransaction, Rider


@dataclass
class Statement:
    rider: Rider
    month: date
    header: list[str]
    rows: list[list[str | int]] = field(default_factory=list)
    charged: int = 0
    returned: int = 0
    paid: int = 0

    @property
    def net(self) -> int:
        return self.charged - self.returned - self.paid


def _bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime.combine(month.replace(day=1), time.min, tzinfo=SEOUL)
    nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return start, datetime.combine(nxt, time.min, tzinfo=SEOUL)


def _station(name: str, lang: str) -> str:
    return data.station_name(name, lang) if name else "?"


def _describe(txn: LedgerTransaction, journeys: dict[str, Journey], lang: str) -> str:
    kind = LedgerTransaction.Kind
    if txn.kind in (kind.CHARGE, kind.REFUND) and txn.journey_key in journeys:
        j = journeys[txn.journey_key]
        origin = _station(j.entry.gate.station if j.entry else "", lang)
        destination = _station(j.exit.gate.station if j.exit else "", lang)
        what = _("Journey") if txn.kind == kind.CHARGE else _("Refund for a journey")
        return f"{what}: {origin} → {destination} ({j.started_at.astimezone(SEOUL):%m-%d %H:%M})"
    labels: dict[str, str] = {
        kind.CHARGE: _("Journey charge"),
        kind.REFUND: _("Refund"),
        kind.PASS: _("Climate Card"),
        kind.PAYMENT: _("Payment from your card"),
        kind.PAYOUT: _("Refund to your card"),
    }
    return str(labels.get(txn.kind, txn.kind))


def lines(rider: Rider, month: date) -> Statement:
    """The statement of ``month`` (its first day) for ``rider``: the ledger transactions posted
    in that Seoul calendar month, oldest first."""
    from django.utils.translation import get_language

    lang = get_language() or "ko"
    start, end = _bounds(month)
    txns = list(
        LedgerTransaction.objects.filter(rider=rider, posted_at__gte=start, posted_at__lt=end).order_by(
            "posted_at", "pk"
        )
    )
    keys = {t.journey_key for t in txns if t.journey_key}
    journeys = {
        j.key: j for j in Journey.objects.filter(rider=rider, key__in=keys).select_related("entry__gate", "exit__gate")
    }
    out = Statement(
        rider,
        month,
        [_("Date"), _("What"), _("Charged (won)"), _("Refunded (won)"), _("Paid (won)")],
    )
    kind = LedgerTransaction.Kind
    for t in txns:
        charged = returned = paid = 0
        if t.kind in (kind.PAYMENT, kind.PAYOUT):  # money from the card (a payout: back to it)
            paid = -t.amount
        elif t.amount >= 0:
            charged = t.amount
        else:  # a refund, or a correction that lowered a charge
            returned = -t.amount
        out.charged += charged
        out.returned += returned
        out.paid += paid
        when = formats.date_format(t.posted_at.astimezone(SEOUL), "Y-m-d H:i")
        out.rows.append([when, _describe(t, journeys, lang), charged, returned, paid])
    return out


def _filename(s: Statement) -> str:
    return f"metro-statement-{s.month:%Y-%m}"


def csv(s: Statement) -> HttpResponse:
    rows: list[list[Any]] = [*s.rows, ["", _("Total"), s.charged, s.returned, s.paid]]
    return csv_response(_filename(s), s.header, rows)


# --- a small PDF writer ---------------------------------------------------------------------------

PAGE_W, PAGE_H, MARGIN, LEADING = 595, 842, 48, 15


def _hex(text: str) -> str:
    """A string in UniKS-UCS2-H: UCS-2 big-endian, as hex (characters beyond the BMP become '?')."""
    return "".join(f"{ord(c):04X}" if ord(c) <= 0xFFFF else "003F" for c in text)


def _won(n: int) -> str:
    return f"{n:,}"


def _page_lines(s: Statement) -> list[tuple[int, str]]:
    """(font size, text) lines of the statement."""
    title = _("Seoul Metro monthly statement")
    out: list[tuple[int, str]] = [(16, f"{title} {s.month:%Y-%m}"), (10, "")]
    out.append((10, _("Account: %(account)s") % {"account": s.rider.account[:8] + "…"}))
    out.append((10, ""))
    for row in s.rows:
        when, what, charged, returned, paid = row
        amounts = []
        if charged:
            amounts.append(f"{_('charged')} {_won(int(charged))}")
        if returned:
            amounts.append(f"{_('refunded')} {_won(int(returned))}")
        if paid:
            amounts.append(f"{_('paid')} {_won(int(paid))}")
        out.append((9, f"{when}  {what}  —  {', '.join(amounts)}"))
    if not s.rows:
        out.append((10, _("Nothing happened on your account this month.")))
    out.append((10, ""))
    out.append((11, f"{_('Charged')}: {_won(s.charged)} {_('won')}"))
    out.append((11, f"{_('Refunded')}: {_won(s.returned)} {_('won')}"))
    out.append((11, f"{_('Paid')}: {_won(s.paid)} {_('won')}"))
    return out


def render_pdf(lines_: list[tuple[int, str]]) -> bytes:
    """A PDF of text lines, as many A4 pages as they need."""
    per_page = (PAGE_H - 2 * MARGIN) // LEADING
    pages = [lines_[i : i + per_page] for i in range(0, len(lines_), per_page)] or [[]]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # pages, filled in below
        b"<< /Type /Font /Subtype /Type0 /BaseFont /HYGoThic-Medium /Encoding /UniKS-UCS2-H "
        b"/DescendantFonts [4 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /HYGoThic-Medium "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Korea1) /Supplement 1 >> "
        b"/FontDescriptor 5 0 R /DW 1000 /W [1 95 500] >>",
        b"<< /Type /FontDescriptor /FontName /HYGoThic-Medium /Flags 6 /FontBBox [-6 -145 1003 880] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
    ]
    kids = []
    for page in pages:
        body = io.StringIO()
        body.write(f"BT {MARGIN} {PAGE_H - MARGIN} Td {LEADING} TL\n")
        for size, text in page:
            body.write(f"/F1 {size} Tf <{_hex(text)}> Tj T*\n")
        body.write("ET\n")
        stream = body.getvalue().encode("ascii")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream")
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % (PAGE_W, PAGE_H, content)
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def pdf(s: Statement) -> HttpResponse:
    response = HttpResponse(render_pdf(_page_lines(s)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(s)}.pdf"'
    return response
