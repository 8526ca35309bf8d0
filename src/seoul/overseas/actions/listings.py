"""Listings: one per product × target marketplace once the business is selected; the business
fills the marketplace's fields (checked against them on every save, problems kept and shown per
field), says who wrote the text in the marketplace's language, sends it for review when nothing
is wrong, and uploads the export documents of its shipments."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from seoul.core import audit
from seoul.core.models import User
from seoul.overseas.actions._base import check_file, check_own, check_selected
from seoul.overseas.engine import listing as listing_rules
from seoul.overseas.engine import reference as ref
from seoul.overseas.errors import OverseasError
from seoul.overseas.events import OverseasEvent
from seoul.overseas.models import Application, ExportDocument, Listing, ListingRevision, Product

MAX_NAME = 120


def prefill(product: Product, marketplace: ref.Marketplace) -> dict[str, str]:
    """What the product already says that the marketplace asks for; the text fields stay empty
    (they are written in the marketplace's language)."""
    known = {
        "hs_code": product.hs_code,
        "weight_g": str(product.weight_g),
        "length_cm": "" if product.length_cm is None else str(product.length_cm),
        "width_cm": "" if product.width_cm is None else str(product.width_cm),
        "height_cm": "" if product.height_cm is None else str(product.height_cm),
        "condition": "new",
    }
    codes = {f.code for f in marketplace.fields}
    return {k: v for k, v in known.items() if k in codes and v}


def ensure_listings(application: Application, *, actor: User | None) -> int:
    """A draft listing for every product × target marketplace that has none (inside the caller's
    transaction)."""
    made = 0
    programme = ref.programme()
    for product in application.products.all():
        for code in application.marketplaces:
            market = programme.marketplace(code)
            if market is None or Listing.objects.filter(product=product, marketplace=code).exists():
                continue
            values = prefill(product, market)
            checked = listing_rules.validate(market, values)
            listing = Listing.objects.create(
                product=product,
                marketplace=code,
                values=checked.values,
                problems=[p.to_dict() for p in checked.problems],
                language=market.language,
            )
            ListingRevision.objects.create(
                listing=listing, values=listing.values, problems=listing.problems, state=listing.state, by=actor
            )
            made += 1
    return made


def _locked(listing: Listing, actor: User) -> tuple[Listing, ref.Marketplace]:
    locked = Listing.objects.select_for_update().select_related("product__application").get(pk=listing.pk)
    application = locked.product.application
    check_own(application, actor)
    check_selected(application)
    market = ref.programme().marketplace(locked.marketplace)
    if market is None:
        raise OverseasError.LISTING_STATE.error(state=locked.get_state_display())
    return locked, market


def save_listing(listing: Listing, values: Mapping[str, str], *, translated_by: str, actor: User) -> Listing:
    """Save the values whatever their problems (a draft keeps what was typed), with the problems."""
    with transaction.atomic():
        locked, market = _locked(listing, actor)
        if locked.state == Listing.States.LIVE:
            raise OverseasError.LISTING_STATE.error(state=locked.get_state_display())
        if translated_by not in Listing.TranslatedBy.values:
            raise OverseasError.TRANSLATED_BY.error("translated_by")
        checked = listing_rules.validate(market, values)
        locked.values = {
            k: checked.values.get(k) or str(values.get(k, "")).strip() for k in (f.code for f in market.fields)
        }
        locked.values = {k: v for k, v in locked.values.items() if v}
        locked.problems = [p.to_dict() for p in checked.problems]
        locked.translated_by = translated_by
        locked.state = Listing.States.DRAFT
        locked.save()
        ListingRevision.objects.create(
            listing=locked,
            values=locked.values,
            problems=locked.problems,
            translated_by=translated_by,
            state=locked.state,
            by=actor,
        )
        audit.record(
            OverseasEvent.LISTING_SAVED,
            target=locked,
            actor=actor,
            new={"marketplace": locked.marketplace, "problems": len(locked.problems)},
        )
    return locked


def mark_ready(listing: Listing, *, actor: User) -> Listing:
    with transaction.atomic():
        locked, market = _locked(listing, actor)
        if locked.state != Listing.States.DRAFT:
            raise OverseasError.LISTING_STATE.error(state=locked.get_state_display())
        checked = listing_rules.validate(market, locked.values)
        if checked.problems:
            raise OverseasError.LISTING_PROBLEMS.error(count=len(checked.problems))
        if not locked.translated_by:
            raise OverseasError.TRANSLATED_BY.error("translated_by")
        locked.state = Listing.States.READY
        locked.returned_reason = ""
        locked.save()
        ListingRevision.objects.create(
            listing=locked,
            values=locked.values,
            problems=[],
            translated_by=locked.translated_by,
            state=locked.state,
            by=actor,
        )
        audit.record(OverseasEvent.LISTING_READY, target=locked, actor=actor, new={"marketplace": locked.marketplace})
    return locked


def upload_document(listing: Listing, *, kind: str, content: bytes, file_name: str, actor: User) -> ExportDocument:
    found = check_file(content, "file")
    if kind not in ExportDocument.Kinds.values:
        raise OverseasError.FILE_TYPE.error("kind")
    with transaction.atomic():
        locked, _market = _locked(listing, actor)
        doc = ExportDocument.objects.create(
            listing=locked,
            kind=kind,
            file_name=(file_name or "document")[-MAX_NAME:],
            content_type=found.content_type or "",
            size=len(content),
            sha256=found.sha256,
            content=content,
            uploaded_by=actor,
        )
        audit.record(
            OverseasEvent.DOCUMENT_UPLOADED, target=locked, actor=actor, new={"kind": kind, "sha256": found.sha256}
        )
    return doc
