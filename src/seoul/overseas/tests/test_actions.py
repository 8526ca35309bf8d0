"""The overseas-sales actions: who may do what, bad input refused with its field and reason,
one claim per receipt that never changes a balance, the cap, sales re-uploads keeping history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent, User
from seoul.overseas import actions
from seoul.overseas.actions.claims import remaining_cap
from seoul.overseas.models import Application, Listing, ListingRevision, Round, SalesLine, SubsidyClaim
from seoul.overseas.tests import builders

pytestmark = pytest.mark.django_db


def _code(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return codes_of(exc.value)


# ---- applying -------------------------------------------------------------------------------


def test_a_citizen_applies_with_a_product_and_the_number_is_encrypted(round: Round, citizen: User) -> None:
    app = builders.apply(round, citizen)
    assert app.reference.startswith("OS-") and app.state == Application.States.SUBMITTED
    assert app.products.get().hs_code == "9405.49"
    assert app.transitions.count() == 1
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("select brn from overseas_application where id = %s", [app.pk])
        assert "220-81-62517" not in cur.fetchone()[0]
    assert AuditEvent.objects.filter(event="overseas.application.applied", target_id=str(app.pk)).exists()


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"brn": "220-81-62518"}, "brn", "overseas.brn_check"),
        ({"brn": "12345"}, "brn", "overseas.brn_format"),
        ({"marketplaces": ["ebay"]}, "marketplaces", "overseas.marketplace"),
    ],
)
def test_bad_applications_are_refused_on_their_field(
    round: Round, citizen: User, changes: dict[str, object], field: str, code: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        builders.apply(round, citizen, **changes)
    assert field in exc.value.error_dict and _code(exc) == [code]
    assert not Application.objects.exists()


def test_a_country_no_chosen_marketplace_sells_to_is_refused(round: Round, citizen: User) -> None:
    with pytest.raises(ValidationError) as exc:
        builders.apply(round, citizen, marketplaces=["qoo10"], countries=["US"])
    assert _code(exc) == ["overseas.country"]


def test_a_bad_hs_code_is_refused_with_the_reason(round: Round, citizen: User) -> None:
    with pytest.raises(ValidationError) as exc:
        builders.apply(round, citizen, product=builders.product(hs_code="7701.10"))
    assert _code(exc) == ["overseas.hs_code"] and "77" in str(exc.value.error_dict["hs_code"])  # the chapter named
    assert not Application.objects.exists()


def test_one_application_per_business_per_round(round: Round, citizen: User, other_citizen: User) -> None:
    builders.apply(round, citizen)
    with pytest.raises(ValidationError) as exc:
        builders.apply(round, other_citizen, brn="2208162517")  # the same number written differently
    assert _code(exc) == ["overseas.already_applied"]


def test_staff_and_closed_rounds_are_refused(round: Round, citizen: User, officer: User) -> None:
    with pytest.raises(PermissionDenied):
        builders.apply(round, officer)
    with pytest.raises(ValidationError) as exc:
        builders.apply(round, citizen, today=date(2027, 1, 1))
    assert _code(exc) == ["overseas.not_open"]


# ---- selection ------------------------------------------------------------------------------


def test_only_officers_score_within_the_weights_and_select(round: Round, citizen: User, officer: User) -> None:
    app = builders.apply(round, citizen)
    with pytest.raises(PermissionDenied):
        actions.score(app, {"product": 1, "readiness": 1, "plan": 1}, actor=citizen)
    with pytest.raises(ValidationError) as exc:
        actions.score(app, {"product": 41, "readiness": 1, "plan": 1}, actor=officer)
    assert _code(exc) == ["overseas.score_range"]
    with pytest.raises(ValidationError):
        actions.decide(app, select=True, reason="", actor=officer)  # not scored yet
    actions.score(app, {"product": 30, "readiness": 20, "plan": 25}, actor=officer)
    assert Application.objects.get(pk=app.pk).score == 75
    with pytest.raises(ValidationError) as exc:
        actions.decide(app, select=False, reason="", actor=officer)
    assert "reason" in exc.value.error_dict
    done = actions.decide(app, select=True, reason="", actor=officer)
    assert done.state == Application.States.SELECTED
    # a listing per product × target marketplace, with the product's HS code and weight filled in
    listings = Listing.objects.filter(product__application=app)
    assert sorted(li.marketplace for li in listings) == ["amazon", "shopee"]
    assert builders.amazon_listing(app).values["hs_code"] == "9405.49"
    assert [t.to_state for t in app.transitions.all()] == ["submitted", "selected"]


def test_selection_stops_at_the_places(round: Round, citizen: User, other_citizen: User, officer: User) -> None:
    Round.objects.filter(pk=round.pk).update(places=1)
    round.refresh_from_db()
    builders.selected(round, citizen, officer)
    second = builders.apply(round, other_citizen, brn=builders.OTHER_BRN)
    actions.score(second, {"product": 1, "readiness": 1, "plan": 1}, actor=officer)
    with pytest.raises(ValidationError) as exc:
        actions.decide(second, select=True, reason="", actor=officer)
    assert _code(exc) == ["overseas.places_full"]


# ---- listings -------------------------------------------------------------------------------


def test_a_listing_keeps_its_problems_per_field_and_every_revision(round: Round, citizen: User, officer: User) -> None:
    app = builders.selected(round, citizen, officer)
    listing = builders.amazon_listing(app)
    saved = actions.save_listing(
        listing, builders.AMAZON_OK | {"title": "x" * 201}, translated_by="business", actor=citizen
    )
    assert [(p["field"], p["code"]) for p in saved.problems] == [("title", "too_long")]
    assert saved.values["title"] == "x" * 201  # what was typed is kept to be fixed
    with pytest.raises(ValidationError) as exc:
        actions.mark_ready(saved, actor=citizen)
    assert _code(exc) == ["overseas.listing_problems"]
    fixed = actions.save_listing(listing, builders.AMAZON_OK, translated_by="translator", actor=citizen)
    assert fixed.problems == []
    ready = actions.mark_ready(fixed, actor=citizen)
    assert ready.state == Listing.States.READY
    assert ListingRevision.objects.filter(listing=listing).count() == 4  # created, two saves, ready


def test_another_citizen_cannot_touch_the_listing(
    round: Round, citizen: User, other_citizen: User, officer: User
) -> None:
    app = builders.selected(round, citizen, officer)
    with pytest.raises(PermissionDenied):
        actions.save_listing(
            builders.amazon_listing(app), builders.AMAZON_OK, translated_by="business", actor=other_citizen
        )


def test_the_officer_records_live_with_the_marketplaces_id_or_returns_it(
    round: Round, citizen: User, officer: User
) -> None:
    app = builders.selected(round, citizen, officer)
    listing = actions.mark_ready(
        actions.save_listing(builders.amazon_listing(app), builders.AMAZON_OK, translated_by="business", actor=citizen),
        actor=citizen,
    )
    with pytest.raises(ValidationError) as exc:
        actions.listing_live(listing, listing_id="12345", actor=officer)
    assert _code(exc) == ["overseas.listing_id"]
    with pytest.raises(PermissionDenied):
        actions.listing_live(listing, listing_id="B0C1234567", actor=citizen)
    with pytest.raises(ValidationError):
        actions.return_listing(listing, reason="  ", actor=officer)
    back = actions.return_listing(listing, reason="Bullet points in English, please.", actor=officer)
    assert back.state == Listing.States.DRAFT and back.returned_reason
    again = actions.mark_ready(back, actor=citizen)
    live = actions.listing_live(again, listing_id="B0C1234567", actor=officer)
    assert live.state == Listing.States.LIVE and live.marketplace_listing_id == "B0C1234567"


def test_export_documents_are_checked_by_their_bytes(round: Round, citizen: User, officer: User) -> None:
    app = builders.selected(round, citizen, officer)
    listing = builders.amazon_listing(app)
    with pytest.raises(ValidationError) as exc:
        actions.upload_document(
            listing, kind="packing_list", content=b"MZ\x90 exe", file_name="list.pdf", actor=citizen
        )
    assert _code(exc) == ["overseas.file_type"]
    doc = actions.upload_document(
        listing, kind="packing_list", content=builders.PDF, file_name="list.pdf", actor=citizen
    )
    assert doc.content_type == "application/pdf" and len(doc.sha256) == 64


# ---- claims ---------------------------------------------------------------------------------


def _claim(app: Application, user: User, **changes: object) -> SubsidyClaim:
    fields: dict[str, object] = {
        "carrier": "kpost_ems",
        "tracking_number": "EG123456789KR",
        "ship_date": timezone.localdate() - timedelta(days=3),
        "destination": "US",
        "cost_won": 48_000,
        "content": builders.pdf("EMS EG123456789KR"),
        "file_name": "receipt.pdf",
    }
    return actions.claim(app, actor=user, **(fields | changes))  # type: ignore[arg-type]


def test_a_claim_needs_a_selected_business(round: Round, citizen: User) -> None:
    app = builders.apply(round, citizen)
    with pytest.raises(ValidationError) as exc:
        _claim(app, citizen)
    assert _code(exc) == ["overseas.not_selected_yet"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"carrier": "pigeon"}, "overseas.carrier"),
        ({"tracking_number": "EG12345KR"}, "overseas.tracking"),
        ({"ship_date": date(2020, 1, 1)}, "overseas.ship_date"),
        ({"destination": "JP"}, "overseas.destination"),  # not a country of the application
        ({"cost_won": 10}, "overseas.cost_range"),
        ({"content": b"GIF89a not accepted"}, "overseas.file_type"),
    ],
)
def test_bad_claims_are_refused_with_the_reason(
    round: Round, citizen: User, officer: User, changes: dict[str, object], code: str
) -> None:
    app = builders.selected(round, citizen, officer)
    with pytest.raises(ValidationError) as exc:
        _claim(app, citizen, **changes)
    assert _code(exc) == [code]
    assert not SubsidyClaim.objects.exists()


def test_a_receipt_is_claimed_once_and_a_second_claim_changes_no_balance(
    round: Round, citizen: User, officer: User
) -> None:
    app = builders.selected(round, citizen, officer)
    first = _claim(app, citizen)
    actions.decide_claim(first, approve=True, reason="", actor=officer)
    left = remaining_cap(app)
    assert left == 3_000_000 - 33_600  # 70 % of 48,000
    # the same carrier and tracking number, another file
    with pytest.raises(ValidationError) as exc:
        _claim(app, citizen, content=builders.pdf("another scan"), tracking_number="eg123456789kr")
    assert _code(exc) == ["overseas.already_claimed"]
    assert first.reference in str(exc.value)
    assert timezone.localdate().isoformat() in str(exc.value)
    # the same file under another tracking number
    with pytest.raises(ValidationError) as exc:
        _claim(app, citizen, tracking_number="EG999999999KR")
    assert _code(exc) == ["overseas.already_claimed"]
    assert SubsidyClaim.objects.count() == 1
    assert remaining_cap(app) == left
    assert AuditEvent.objects.filter(event="overseas.claim.duplicate").count() == 2


def test_another_business_is_told_only_when_the_receipt_was_claimed(
    round: Round, citizen: User, other_citizen: User, officer: User
) -> None:
    mine = builders.selected(round, citizen, officer)
    theirs = builders.selected(round, other_citizen, officer, brn=builders.OTHER_BRN)
    first = _claim(mine, citizen)
    with pytest.raises(ValidationError) as exc:
        _claim(theirs, other_citizen)
    assert _code(exc) == ["overseas.already_claimed"]
    day = timezone.localtime(first.claimed_at).date().isoformat()
    assert first.reference not in str(exc.value) and day in str(exc.value)


def test_claims_are_decided_by_an_approver_and_capped(
    round: Round, citizen: User, officer: User, operator: User
) -> None:
    app = builders.selected(round, citizen, officer)
    Round.objects.filter(pk=round.pk).update(
        definition={**round.definition, "subsidy": {**round.subsidy, "cap_won": 50_000}}
    )
    first = _claim(app, citizen)
    second = _claim(
        app, citizen, carrier="dhl", tracking_number="1234567890", content=builders.pdf("dhl"), cost_won=40_000
    )
    with pytest.raises(PermissionDenied):
        actions.decide_claim(first, approve=True, reason="", actor=operator)
    with pytest.raises(PermissionDenied):
        actions.decide_claim(first, approve=True, reason="", actor=citizen)
    assert actions.decide_claim(first, approve=True, reason="", actor=officer).paid_won == 33_600
    # 70 % of 40,000 is 28,000, but only 16,400 is left of the 50,000 cap
    paid = actions.decide_claim(second, approve=True, reason="", actor=officer)
    assert paid.paid_won == 16_400 and paid.calculation["capped"] is True
    assert remaining_cap(Application.objects.get(pk=app.pk)) == 0
    with pytest.raises(ValidationError) as exc:
        actions.decide_claim(paid, approve=False, reason="again", actor=officer)
    assert _code(exc) == ["overseas.claim_state"]
    third = _claim(app, citizen, carrier="fedex", tracking_number="123456789012", content=builders.pdf("fedex"))
    with pytest.raises(ValidationError) as exc:
        actions.decide_claim(third, approve=True, reason="", actor=officer)
    assert _code(exc) == ["overseas.no_cap_left"]
    with pytest.raises(ValidationError):
        actions.decide_claim(third, approve=False, reason="", actor=officer)  # a refusal needs a reason
    refused = actions.decide_claim(third, approve=False, reason="Nothing left of the cap.", actor=officer)
    assert refused.state == SubsidyClaim.States.REFUSED and refused.paid_won == 0


# ---- sales ----------------------------------------------------------------------------------

HEADER = "month,marketplace,country,currency,orders,units,gross_sales,returns\n"


def test_sales_keep_good_lines_report_bad_ones_and_replace_with_history(
    round: Round, citizen: User, officer: User
) -> None:
    app = builders.selected(round, citizen, officer)
    first = actions.import_sales(
        app,
        content=(HEADER + "2026-10,amazon,US,USD,3,3,100.00,0\n2026-10,amazon,XX,USD,1,1,1,0\n").encode(),
        file_name="oct.csv",
        actor=citizen,
        today=date(2026, 12, 5),
    )
    assert (first.lines_read, first.lines_accepted) == (2, 1)
    assert [(p["line"], p["field"], p["code"]) for p in first.problems] == [(3, "country", "country_not_sold")]
    assert SalesLine.objects.get(current=True).net_won == 140_000  # 100 USD × 1,400
    again = actions.import_sales(
        app,
        content=(HEADER + "2026-10,amazon,US,USD,4,4,120.00,0\n").encode(),
        file_name="oct-fixed.csv",
        actor=officer,  # the officer may upload for the business
        today=date(2026, 12, 5),
    )
    assert again.lines_replaced == 1
    old, new = SalesLine.objects.order_by("pk")
    assert (old.current, old.replaced_by_id, new.current, new.net_won) == (False, new.pk, True, 168_000)


def test_sales_need_the_business_or_an_officer(round: Round, citizen: User, other_citizen: User, officer: User) -> None:
    app = builders.selected(round, citizen, officer)
    with pytest.raises(PermissionDenied):
        actions.import_sales(app, content=HEADER.encode(), file_name="x.csv", actor=other_citizen)
