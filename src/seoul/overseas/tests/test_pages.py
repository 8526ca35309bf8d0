"""The overseas-sales pages through the Django client: each page in both languages, 404 outside
the reader's scope, the reason before an officer opens a file, downloads and the CSV audited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from seoul.core.models import AuditEvent, User
from seoul.overseas import actions
from seoul.overseas.models import Application, Round, SubsidyClaim
from seoul.overseas.tests import builders
from seoul.overseas.tests.conftest import client_of

pytestmark = pytest.mark.django_db


def _reason(c: object, url: str) -> None:
    """State the reason the officer is asked for before a business's file."""
    first = c.get(url)  # type: ignore[attr-defined]
    ticket = re.search(r'name="ticket" value="([^"]+)"', first.content.decode())
    assert first.status_code == 200 and ticket is not None  # the reason form, not the file
    posted = c.post(  # type: ignore[attr-defined]
        "/reason/",
        {"ticket": ticket.group(1), "reason": "overseas.selection", "reason_detail": "2026 하반기 선정 심사"},
    )
    assert posted.status_code == 302


def test_the_programme_page_says_who_may_apply_first(client: object, round: Round) -> None:
    for lang in ("en", "ko"):
        response = client.get(reverse("overseas:programme"), headers={"accept-language": lang})  # type: ignore[attr-defined]
        assert response.status_code == 200
        assert response.content.decode().count(f'lang="{lang}"') >= 1
    body = client.get(reverse("overseas:programme"), headers={"accept-language": "en"}).content.decode()  # type: ignore[attr-defined]
    assert body.index("Who may apply") < body.index("Shipping subsidy")
    assert "3,000,000" in body or "KRW 3.0 million" in body
    assert "Amazon" in body and "Qoo10" in body


def test_apply_page_sends_an_application_and_shows_errors_on_fields(round: Round, citizen: User) -> None:
    c = client_of(citizen)
    assert c.get(reverse("overseas:apply")).status_code == 200
    data = {
        "business_name": "한강공방",
        "brn": "220-81-62518",
        "marketplaces": ["amazon"],
        "countries": ["US"],
        "name": "한지 조명",
        "description": "손으로 만든 조명",
        "category": "craft",
        "price_won": "45000",
        "weight_g": "800",
        "hs_code": "9405.49",
        "confirm": "on",
    }
    bad = c.post(reverse("overseas:apply"), data)
    assert bad.status_code == 400
    assert "error-summary" in bad.content.decode() and 'href="#id_brn"' in bad.content.decode()
    Round.objects.filter(pk=round.pk).update(
        intake_opens=timezone.localdate() - timedelta(days=1), intake_closes=timezone.localdate()
    )
    ok = c.post(reverse("overseas:apply"), data | {"brn": "220-81-62517"})
    app = Application.objects.get()
    assert ok.status_code == 302 and ok["Location"] == reverse("overseas:application", args=[app.reference])
    page = c.get(ok["Location"])
    assert page.status_code == 200 and "한지 조명" in page.content.decode()


def test_a_citizen_sees_only_their_own_application(
    round: Round, citizen: User, other_citizen: User, officer: User
) -> None:
    app = builders.selected(round, citizen, officer)
    listing = builders.amazon_listing(app)
    mine = client_of(citizen)
    for url in (
        reverse("overseas:me"),
        reverse("overseas:application", args=[app.reference]),
        reverse("overseas:listing", args=[app.reference, listing.pk]),
        reverse("overseas:claim_new", args=[app.reference]),
        reverse("overseas:sales", args=[app.reference]),
        reverse("overseas:product_new", args=[app.reference]),
    ):
        for lang in ("en", "ko"):
            assert client_of(citizen, lang).get(url).status_code == 200, url
    theirs = client_of(other_citizen)
    for url in (
        reverse("overseas:application", args=[app.reference]),
        reverse("overseas:listing", args=[app.reference, listing.pk]),
        reverse("overseas:claim_new", args=[app.reference]),
        reverse("overseas:sales", args=[app.reference]),
    ):
        assert theirs.get(url).status_code == 404, url
    assert app.reference not in theirs.get(reverse("overseas:me")).content.decode()
    assert mine.get(reverse("overseas:officer")).status_code == 403


def test_the_listing_page_shows_each_problem_on_its_field(round: Round, citizen: User, officer: User) -> None:
    app = builders.selected(round, citizen, officer)
    listing = builders.amazon_listing(app)
    c = client_of(citizen)
    url = reverse("overseas:listing", args=[app.reference, listing.pk])
    saved = c.post(url, {"form": "values", **builders.AMAZON_OK, "title": "x" * 201, "translated_by": "business"})
    assert saved.status_code == 302
    page = c.get(url).content.decode()
    assert 'href="#id_title"' in page and "At most 200 characters (now 201)" in page
    assert 'name="form" value="ready"' not in page  # no sending with a problem left
    c.post(url, {"form": "values", **builders.AMAZON_OK, "translated_by": "business"})
    page = c.get(url).content.decode()
    assert "error-summary" not in page and 'name="form" value="ready"' in page
    assert c.post(url, {"form": "ready"}).status_code == 302
    listing.refresh_from_db()
    assert listing.state == "ready"


def test_a_claim_through_the_page_and_the_same_receipt_refused(round: Round, citizen: User, officer: User) -> None:
    app = builders.selected(round, citizen, officer)
    c = client_of(citizen)
    url = reverse("overseas:claim_new", args=[app.reference])

    def post() -> object:
        return c.post(
            url,
            {
                "carrier": "kpost_ems",
                "tracking_number": "EG123456789KR",
                "ship_date": (timezone.localdate() - timedelta(days=2)).isoformat(),
                "destination": "US",
                "cost_won": "48000",
                "receipt": SimpleUploadedFile("r.pdf", builders.PDF, content_type="application/pdf"),
            },
        )

    assert post().status_code == 302  # type: ignore[attr-defined]
    again = post()
    assert again.status_code == 400  # type: ignore[attr-defined]
    assert "already claimed" in again.content.decode()  # type: ignore[attr-defined]
    assert SubsidyClaim.objects.count() == 1


def test_the_officer_states_a_reason_then_scores_and_decides(round: Round, citizen: User, officer: User) -> None:
    app = builders.apply(round, citizen)
    c = client_of(officer)
    work = c.get(reverse("overseas:officer"))
    assert work.status_code == 200 and app.reference in work.content.decode()
    assert c.get(reverse("overseas:officer"), {"state": "selected"}).content.decode().count(app.reference) == 0
    url = reverse("overseas:officer_application", args=[app.reference])
    _reason(c, url)
    page = c.get(url)
    assert page.status_code == 200 and "한강공방" in page.content.decode()
    assert AuditEvent.objects.filter(event="overseas.application.viewed", target_id=str(app.pk)).exists()
    assert (
        c.post(
            url, {"form": "score", "assessed_product": "50", "assessed_readiness": "1", "assessed_plan": "1"}
        ).status_code
        == 400
    )
    assert (
        c.post(
            url, {"form": "score", "assessed_product": "30", "assessed_readiness": "20", "assessed_plan": "20"}
        ).status_code
        == 302
    )
    assert c.post(url, {"form": "decide", "decide-decision": "select", "decide-reason": ""}).status_code == 302
    assert Application.objects.get(pk=app.pk).state == "selected"
    assert c.get(reverse("overseas:officer_application", args=["OS-0000-NOPE22"])).status_code == 404


def test_claim_and_listing_pages_for_the_officer_and_audited_downloads(
    round: Round, citizen: User, officer: User
) -> None:
    app = builders.selected(round, citizen, officer)
    claim = actions.claim(
        app,
        carrier="dhl",
        tracking_number="1234567890",
        ship_date=timezone.localdate(),
        destination="SG",
        cost_won=40_000,
        content=builders.PDF,
        file_name="dhl.pdf",
        actor=citizen,
    )
    c = client_of(officer)
    url = reverse("overseas:officer_claim", args=[claim.reference])
    _reason(c, url)
    page = c.get(url).content.decode()
    assert "28,000" in page or "KRW 28,000" in page  # 70 % of 40,000
    assert c.post(url, {"decision": "refuse", "reason": ""}).status_code == 400
    assert c.post(url, {"decision": "approve", "reason": ""}).status_code == 302
    assert SubsidyClaim.objects.get().paid_won == 28_000
    download = c.get(reverse("overseas:download", args=["receipt", claim.pk]))
    assert download.status_code == 200 and download.content == builders.PDF
    assert AuditEvent.objects.filter(event="overseas.file.downloaded", target_id=str(claim.pk)).exists()
    assert client_of(citizen).get(reverse("overseas:download", args=["receipt", claim.pk])).status_code == 200
    listing_url = reverse("overseas:officer_listing", args=[builders.amazon_listing(app).pk])
    assert c.get(listing_url).status_code == 200
    assert c.get(reverse("overseas:officer_claim", args=["SC-0000-NOPE22"])).status_code == 404


def test_a_stranger_cannot_download_a_receipt(round: Round, citizen: User, other_citizen: User, officer: User) -> None:
    app = builders.selected(round, citizen, officer)
    claim = actions.claim(
        app,
        carrier="dhl",
        tracking_number="1234567890",
        ship_date=timezone.localdate(),
        destination="SG",
        cost_won=40_000,
        content=builders.PDF,
        file_name="dhl.pdf",
        actor=citizen,
    )
    assert client_of(other_citizen).get(reverse("overseas:download", args=["receipt", claim.pk])).status_code == 404


def test_the_sales_page_shows_the_per_line_result(round: Round, citizen: User, officer: User) -> None:
    app = builders.selected(round, citizen, officer)
    c = client_of(citizen)
    url = reverse("overseas:sales", args=[app.reference])
    month = min(m for m in ("2026-09", "2026-10") if m <= f"{timezone.localdate():%Y-%m}")
    csv = f"month,marketplace,country,currency,orders,units,gross_sales,returns\n{month},amazon,US,USD,2,2,50.00,0\n{month},amazon,US,KRW,1,1,1,0\n"
    response = c.post(url, {"file": SimpleUploadedFile("s.csv", csv.encode(), content_type="text/csv")})
    assert response.status_code == 302
    page = c.get(response["Location"]).content.decode()
    assert "Not one of the programme" in page and 'id="line-problems"' in page


def test_kpis_for_viewers_with_an_audited_csv(round: Round, citizen: User, officer: User, viewer: User) -> None:
    builders.selected(round, citizen, officer)
    c = client_of(viewer)
    assert c.get(reverse("overseas:kpis")).status_code == 200
    assert client_of(viewer, "ko").get(reverse("overseas:kpis")).status_code == 200
    csv = c.get(reverse("overseas:kpis_csv"))
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert AuditEvent.objects.filter(event="data.exported", new__export="overseas.kpis").exists()
    assert client_of(citizen).get(reverse("overseas:kpis")).status_code == 403
    assert c.get(reverse("overseas:officer")).status_code == 403


def test_the_officer_uploads_sales_for_a_business_and_sees_the_result(
    round: Round, citizen: User, officer: User
) -> None:
    app = builders.selected(round, citizen, officer)
    c = client_of(officer)
    url = reverse("overseas:officer_application", args=[app.reference])
    _reason(c, url)
    csv = "month,marketplace,country,currency,orders,units,gross_sales,returns\n2026-10,amazon,US,USD,1,1,10.00,0\n2026-10,lazada,SG,SGD,1,1,1,0\n"
    response = c.post(
        url, {"form": "sales", "file": SimpleUploadedFile("s.csv", csv.encode(), content_type="text/csv")}
    )
    assert response.status_code == 302 and "?upload=" in response["Location"]
    page = c.get(response["Location"]).content.decode()
    assert (
        'id="line-problems"' in page and "programme&#x27;s marketplaces" in page
    )  # Lazada is not a target of this shop
    # a score posted with an error does not touch the sales form
    app2 = builders.apply(round, _other_shop(), brn=builders.OTHER_BRN)
    url2 = reverse("overseas:officer_application", args=[app2.reference])
    _reason(c, url2)
    bad = c.post(url2, {"form": "score", "assessed_product": "99", "assessed_readiness": "1", "assessed_plan": "1"})
    assert bad.status_code == 400 and "id_file_error" not in bad.content.decode()


def _other_shop() -> User:
    return User.objects.create_user(username="park.shop", password="Namsan-1-2-3-seoul", kind=User.Kind.CITIZEN)
