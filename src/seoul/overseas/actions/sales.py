"""Monthly export sales from a CSV file (``engine/sales.py``): each line checked on its own, the
good ones kept, every refused one reported with its line, field and reason — the upload and its
per-line result are kept. A line for a month, marketplace and country the business already
reported replaces the earlier line, which stays in the history (``replaced_by``)."""

from __future__ import annotations

import hashlib
from datetime import date

from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.overseas.actions._base import check_own, check_selected
from seoul.overseas.engine import reference as ref
from seoul.overseas.engine import sales as sales_rules
from seoul.overseas.errors import OverseasError
from seoul.overseas.events import OverseasEvent
from seoul.overseas.models import Application, SalesLine, SalesUpload

MAX_NAME = 120


def import_sales(
    application: Application, *, content: bytes, file_name: str, actor: User, today: date | None = None
) -> SalesUpload:
    today = today or timezone.localdate()
    application = Application.objects.select_related("round").get(pk=application.pk)  # as it stands now
    check_own(application, actor)
    check_selected(application)
    if len(content) > sales_rules.MAX_BYTES:
        raise OverseasError.SALES_FILE.error("file", why="> 1 MB")
    programme = ref.programme()
    parsed = sales_rules.parse(
        content,
        marketplaces=tuple(m for m in programme.marketplaces if m.code in application.marketplaces),
        currencies=programme.currencies,
        rates=programme.exchange_rates,
        today=today,
        earliest=date(application.round.intake_opens.year - 1, 1, 1),
    )
    with transaction.atomic():
        Application.objects.select_for_update().get(pk=application.pk)
        upload = SalesUpload.objects.create(
            application=application,
            file_name=(file_name or "sales.csv")[-MAX_NAME:],
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            content=content,
            uploaded_by=actor,
            lines_read=parsed.read,
            problems=[p.to_dict() for p in parsed.problems],
            rates=parsed.rates_used,
        )
        replaced = 0
        for line in parsed.lines:
            made = SalesLine.objects.create(
                upload=upload,
                application=application,
                line=line.line,
                month=line.month,
                marketplace=line.marketplace,
                country=line.country,
                currency=line.currency,
                orders=line.orders,
                units=line.units,
                gross=line.gross,
                returns=line.returns,
                rate=line.rate,
                gross_won=line.gross_won,
                returns_won=line.returns_won,
                net_won=line.net_won,
            )
            replaced += (
                SalesLine.objects.filter(
                    application=application,
                    month=line.month,
                    marketplace=line.marketplace,
                    country=line.country,
                    current=True,
                )
                .exclude(pk=made.pk)
                .update(current=False, replaced_by=made)
            )
        upload.lines_accepted = len(parsed.lines)
        upload.lines_replaced = replaced
        upload.save(update_fields=["lines_accepted", "lines_replaced"])
        audit.record(
            OverseasEvent.SALES_UPLOADED,
            target=application,
            actor=actor,
            new={
                "upload": upload.pk,
                "read": parsed.read,
                "accepted": len(parsed.lines),
                "refused_lines": parsed.refused_lines,
                "replaced": replaced,
            },
        )
    return upload
