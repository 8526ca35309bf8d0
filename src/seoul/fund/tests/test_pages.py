"""The fund's pages through the Django client: each page in both languages, who may see it,
404 outside the reader's scope, forms' errors, the reason before personal data, audited
downloads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from seoul.core.models import AuditEvent, User
from seoul.core.testing import state_reason
from seoul.fund.models import Application, Tranche
from seoul.fund.tests import builders
from seoul.fund.tests.conftest import client_of

pytestmark = pytest.mark.django_db


def with_reason(client: Any, url: str, purpose: str = "fund.screening") -> Any:
    """Open ``url`` after stating the reason its reason form asks (through the real form)."""
    return state_reason(client, url, purpose)


@pytest.fixture
def world(founder: User, staff: User, members: list[User]) -> dict[str, Any]:
    found = builders.call()
    app = builders.applied(founder, found)
    return {"call": found, "app": app}


def test_the_public_pages_say_who_may_apply_before_applying(world: dict[str, Any]) -> None:
    from django.test import Client

    for lang, words in (("en", "Who may apply"), ("ko", None)):
        c = Client(headers={"accept-language": lang})
        page = c.get("/fund/")
        assert page.status_code == 200 and b"2026" in page.content
        call_page = c.get(f"/fund/calls/{world['call'].code}/")
        assert call_page.status_code == 200
        if words:
            text = call_page.content.decode()
            assert text.index(words) < text.index('id="apply"')
            assert "KRW 300.0 million" in text  # the seed equity ticket, formatted
    assert Client().get("/fund/calls/nope/").status_code == 404


def test_apply_shows_every_error_at_the_top_and_keeps_the_answers(founder: User, world: dict[str, Any]) -> None:
    c = client_of(founder)
    url = f"/fund/calls/{world['call'].code}/apply/"
    assert c.get(url).status_code == 200
    bad = c.post(
        url,
        {
            "startup_name": "새 회사",
            "brn": "220-81-62518",
            "sector": "medical_bio",
            "stage": "seed",
            "instrument": "equity",
            "amount": "100000000",
            "summary": "설명",
            "revenue_12m": "0",
            "employees": "1",
            "users": "0",
            "follow_on": "0",
            "team_1_name": "김",
            "team_1_role": "대표",
            "confirm": "on",
            "deck": SimpleUploadedFile("deck.pdf", builders.PDF, content_type="application/pdf"),
        },
    )
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "error-summary" in text and "last digit does not match" in text
    assert 'value="새 회사"' in text


def test_the_founder_applies_through_the_page(other_citizen: User, world: dict[str, Any]) -> None:
    c = client_of(other_citizen)
    done = c.post(
        f"/fund/calls/{world['call'].code}/apply/",
        {
            "startup_name": "그린루프",
            "brn": builders.OTHER_BRN,
            "sector": "green",
            "stage": "early",
            "instrument": "loan",
            "amount": "200000000",
            "summary": "폐플라스틱 재활용",
            "revenue_12m": "50000000",
            "employees": "4",
            "users": "10",
            "follow_on": "0",
            "team_1_name": "이대표",
            "team_1_role": "대표",
            "confirm": "on",
            "deck": SimpleUploadedFile("deck.pdf", builders.PDF, content_type="application/pdf"),
        },
    )
    made = Application.objects.get(applicant=other_citizen)
    assert done.status_code == 302 and done["Location"] == f"/fund/me/{made.reference}/"
    assert made.team == [{"name": "이대표", "role": "대표"}]


def test_a_founder_sees_only_their_own_applications(founder: User, other_citizen: User, world: dict[str, Any]) -> None:
    ref = world["app"].reference
    mine = client_of(founder, "ko")
    page = mine.get("/fund/me/")
    assert page.status_code == 200 and ref.encode() in page.content
    assert mine.get(f"/fund/me/{ref}/").status_code == 200
    assert client_of(other_citizen).get(f"/fund/me/{ref}/").status_code == 404
    assert ref.encode() not in client_of(other_citizen).get("/fund/me/").content


def test_staff_pages_need_the_fund_role_and_a_reason(
    founder: User, staff: User, viewer: User, world: dict[str, Any]
) -> None:
    ref = world["app"].reference
    assert client_of(founder).get("/fund/staff/").status_code == 403
    assert client_of(viewer).get("/fund/staff/").status_code == 403
    c = client_of(staff)
    work = c.get("/fund/staff/")
    assert work.status_code == 200 and ref.encode() in work.content
    assert c.get("/fund/staff/applications/FD-0000-NOPE00/").status_code == 404
    first = c.get(f"/fund/staff/applications/{ref}/")
    assert b'id="team"' not in first.content  # the reason form first
    page = with_reason(c, f"/fund/staff/applications/{ref}/")
    assert page.status_code == 200 and b'id="team"' in page.content
    assert AuditEvent.objects.filter(event="fund.application.viewed", target_id=str(world["app"].pk)).exists()
    deck = c.get(f"/fund/staff/applications/{ref}/deck.pdf")
    assert deck.status_code == 200 and b"".join(deck.streaming_content) == builders.PDF
    assert AuditEvent.objects.filter(event="fund.deck.downloaded").count() == 1


def test_screening_to_the_committee_and_the_committee_page(
    staff: User, members: list[User], world: dict[str, Any]
) -> None:
    app = world["app"]
    at = builders.meeting(staff, members[:6])
    c = client_of(staff)
    url = f"/fund/staff/applications/{app.reference}/"
    with_reason(c, url)
    refused = c.post(url, {"outcome": "committee", "meeting": at.pk})
    assert refused.status_code == 400 and b"Every check must pass" in refused.content
    checks = {f"check_{k}": "on" for k in builders.CHECKS}
    done = c.post(url, checks | {"outcome": "committee", "meeting": at.pk})
    assert done.status_code == 302
    app.refresh_from_db()
    assert app.state == "committee"
    meeting = c.get(f"/fund/staff/meetings/{at.pk}/")
    assert meeting.status_code == 200 and app.startup_name.encode() in meeting.content
    member = client_of(members[0], "ko")
    page = with_reason(member, f"/fund/staff/committee/{app.reference}/", "fund.committee")
    assert page.status_code == 200 and b'name="declare-conflicted"' in page.content
    member.post(f"/fund/staff/committee/{app.reference}/", {"form": "declare", "declare-conflicted": "no"})
    page = member.get(f"/fund/staff/committee/{app.reference}/")
    assert b'name="score-points_team"' in page.content
    assert client_of(staff).get("/fund/staff/meetings/99999/").status_code == 404


def test_the_decision_form_says_why_without_a_quorum(staff: User, members: list[User], world: dict[str, Any]) -> None:
    app = builders.to_committee(world["app"], staff, builders.meeting(staff, members[:4]))
    builders.scored(app, members[:4])
    c = client_of(members[0])
    url = f"/fund/staff/committee/{app.reference}/"
    with_reason(c, url, "fund.committee")
    bad = c.post(url, {"form": "decide", "decide-outcome": "decline", "decide-reason": "미달"})
    assert bad.status_code == 400 and b"quorum is not met" in bad.content


def test_investee_page_pays_a_verified_tranche_and_the_dashboard_counts_it(
    founder: User, staff: User, viewer: User, members: list[User], world: dict[str, Any]
) -> None:
    app = builders.to_committee(world["app"], staff, builders.meeting(staff, members[:6]))
    builders.scored(app, members[:6], conflicted=[members[5]])
    app = builders.invest(app, members[0])
    mine = client_of(founder)
    url = f"/fund/me/{app.reference}/"
    assert b'name="evidence-evidence"' in mine.get(url).content
    assert mine.post(url, {"form": "evidence", "evidence-evidence": "시제품 완성 영상"}).status_code == 302
    c = client_of(staff)
    inv = f"/fund/staff/investees/{app.reference}/"
    with_reason(c, inv, "fund.monitoring")
    assert c.post(inv, {"form": "verify", "tranche": "1", "verify-accepted": "yes"}).status_code == 302
    paid = c.post(inv, {"form": "pay", "tranche": "1", "pay-paid_on": timezone.localdate().isoformat()})
    assert paid.status_code == 302
    assert Tranche.objects.get(application=app, number=1).state == "paid"
    again = c.post(inv, {"form": "pay", "tranche": "1", "pay-paid_on": timezone.localdate().isoformat()})
    assert again.status_code == 400 and b"This tranche is paid" in again.content  # never twice
    assert Tranche.objects.filter(application=app, state="paid").count() == 1
    assert c.get("/fund/staff/investees/FD-0000-NOPE00/").status_code == 404
    dash = client_of(viewer, "ko").get("/fund/dashboard/")
    assert dash.status_code == 200 and "1.5억 원".encode() in dash.content
    csv = client_of(viewer).get("/fund/dashboard.csv")
    assert csv.status_code == 200 and b"150000000" in csv.content
    assert AuditEvent.objects.filter(event="fund.dashboard.exported").count() == 1
    assert client_of(founder).get("/fund/dashboard/").status_code == 403


def test_a_closed_call_takes_no_application(founder: User, world: dict[str, Any]) -> None:
    today = timezone.localdate()
    closed = builders.call("old", opens_on=today - timedelta(days=60), closes_on=today - timedelta(days=30))
    page = client_of(founder).get(f"/fund/calls/{closed.code}/apply/")
    assert (
        page.status_code == 200
        and b'id="closed"' in page.content
        and b"<form" not in page.content.split(b"<main", 1)[1]
    )


def test_the_report_command_prints_the_dashboards_figures(
    founder: User, staff: User, members: list[User], world: dict[str, Any]
) -> None:
    import json

    from click.testing import CliRunner

    from seoul.fund import actions
    from seoul.fund.cli import group

    app = builders.to_committee(world["app"], staff, builders.meeting(staff, members[:6]))
    builders.scored(app, members[:6], conflicted=[members[5]])
    app = builders.invest(app, members[0])
    first = app.tranches.get(number=1)
    actions.send_evidence(first, "완료", actor=founder)
    actions.verify(first, accepted=True, actor=staff)
    actions.pay(first, paid_on=timezone.localdate(), actor=staff)
    out = CliRunner().invoke(group, ["report", "--json"])
    assert out.exit_code == 0, out.output
    found = json.loads(out.output)
    assert (found["committed"], found["invested"], found["remaining"]) == (300_000_000, 150_000_000, 49_700_000_000)
    assert found["by_sector"]["medical_bio"]["invested"] == 150_000_000 and found["tvpi"] == 1.0
    text = CliRunner().invoke(group, ["report"]).output
    assert "committed:" in text and "300,000,000 won" in text
