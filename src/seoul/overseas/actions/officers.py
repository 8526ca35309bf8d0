"""The programme officer's work: score each application by the published criteria, select or not
(with the places of the round as the limit and a reason the business reads), return a listing
to the business with a reason or record it live with the marketplace's own listing id."""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.core.validation import check_text
from seoul.overseas.actions._base import check_officer, move
from seoul.overseas.actions.listings import ensure_listings
from seoul.overseas.engine import reference as ref
from seoul.overseas.errors import OverseasError
from seoul.overseas.events import OverseasEvent
from seoul.overseas.models import Application, Listing, ListingRevision

States = Application.States


def score(application: Application, assessed: Mapping[str, int], *, actor: User) -> Application:
    check_officer(actor)
    with transaction.atomic():
        locked: Application = Application.objects.select_for_update().select_related("round").get(pk=application.pk)
        if locked.state != States.SUBMITTED:
            raise OverseasError.WRONG_STATE.error(state=locked.get_state_display())
        given: dict[str, int] = {}
        for c in locked.round.criteria:
            code, weight = str(c["code"]), int(c["weight"])
            if code not in assessed:
                raise OverseasError.NOT_SCORED.error(f"assessed_{code}")
            points = int(assessed[code])
            if not 0 <= points <= weight:
                raise OverseasError.SCORE_RANGE.error(f"assessed_{code}", weight=weight)
            given[code] = points
        before = locked.score
        locked.assessed = given
        locked.score = sum(given.values())
        locked.scored_by = actor
        locked.scored_at = timezone.now()
        locked.save()
        audit.record(
            OverseasEvent.SCORED,
            target=locked,
            actor=actor,
            old={"score": before},
            new={"score": locked.score, "assessed": given},
        )
    return locked


def decide(application: Application, *, select: bool, reason: str, actor: User) -> Application:
    check_officer(actor)
    reason = check_text(reason, "reason", max_length=500) if reason.strip() or not select else ""
    with transaction.atomic():
        locked: Application = Application.objects.select_for_update().select_related("round").get(pk=application.pk)
        if locked.state != States.SUBMITTED:
            raise OverseasError.WRONG_STATE.error(state=locked.get_state_display())
        if locked.score is None:
            raise OverseasError.NOT_SCORED.error()
        if select:
            taken = Application.objects.filter(round=locked.round, state=States.SELECTED).count()
            if taken >= locked.round.places:
                raise OverseasError.PLACES_FULL.error(places=locked.round.places)
        locked.decision_reason = reason
        to = States.SELECTED if select else States.NOT_SELECTED
        move(
            locked,
            to,
            event=OverseasEvent.SELECTED if select else OverseasEvent.NOT_SELECTED,
            actor=actor,
            note=reason,
            score=locked.score,
        )
        if select:
            ensure_listings(locked, actor=actor)
    return locked


def _locked_listing(listing: Listing, actor: User) -> Listing:
    check_officer(actor)
    return Listing.objects.select_for_update().select_related("product__application").get(pk=listing.pk)


def return_listing(listing: Listing, *, reason: str, actor: User) -> Listing:
    check_officer(actor)
    if not reason.strip():
        raise OverseasError.REASON_REQUIRED.error("reason")
    reason = check_text(reason, "reason", max_length=500)
    with transaction.atomic():
        locked = _locked_listing(listing, actor)
        if locked.state != Listing.States.READY:
            raise OverseasError.LISTING_STATE.error(state=locked.get_state_display())
        locked.state = Listing.States.DRAFT
        locked.returned_reason = reason
        locked.save()
        ListingRevision.objects.create(
            listing=locked,
            values=locked.values,
            problems=locked.problems,
            translated_by=locked.translated_by,
            state=locked.state,
            note=reason,
            by=actor,
        )
        audit.record(OverseasEvent.LISTING_RETURNED, target=locked, actor=actor, new={"reason": reason})
    return locked


def listing_live(listing: Listing, *, listing_id: str, actor: User) -> Listing:
    check_officer(actor)
    listing_id = check_text(listing_id, "listing_id", max_length=40)
    market = ref.programme().marketplace(listing.marketplace)
    if market is None or re.fullmatch(market.listing_id_pattern, listing_id) is None:
        name = market.listing_id_name_en if market else "listing id"
        raise OverseasError.LISTING_ID.error(
            "listing_id", name=name, example=market.listing_id_example if market else ""
        )
    with transaction.atomic():
        locked = _locked_listing(listing, actor)
        if locked.state != Listing.States.READY:
            raise OverseasError.LISTING_STATE.error(state=locked.get_state_display())
        locked.state = Listing.States.LIVE
        locked.marketplace_listing_id = listing_id
        locked.live_at = timezone.now()
        locked.save()
        ListingRevision.objects.create(
            listing=locked,
            values=locked.values,
            problems=[],
            translated_by=locked.translated_by,
            state=locked.state,
            note=listing_id,
            by=actor,
        )
        audit.record(OverseasEvent.LISTING_LIVE, target=locked, actor=actor, new={"listing_id": listing_id})
    return locked
