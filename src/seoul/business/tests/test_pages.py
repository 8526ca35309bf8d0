"""The business service's pages: the citizen's journey (profile with consent, programmes with
reasons, apply once), scope (a business sees only its own, an officer only their programmes'
applicants), the reason asked before an applicant's file, the audited CSV, both languages."""

from __future__ import annotations

from typing import Any

import pytest

from seoul.business import actions
from seoul.business.models import BusinessProfile, ProgrammeApplication
from seoul.business.tests import builders
from seoul.business.tests.conftest import client_of
from seoul.core.models import AuditEvent, User

pytestmark = pytest.mark.django_db


def test_the_programmes_and_their_published_criteria_are_public(client: Any, programmes: None) -> None:
    page = client.get("/business/", headers={"accept-language": "en"})
    assert page.status_code == 200 and "Smart-store onboarding (example)" in page.text
    one = client.get("/business/programmes/online_marketing/", headers={"accept-language": "en"})
    assert one.status_code == 200
    assert "In good standing" in one.text and "Promotion plan" in one.text and "priority district" in one.text


def test_a_citizen_builds_a_profile_and_sees_why_each_programme_fits_or_not(
    citizen: User, records: Any, programmes: None
) -> None:
    records.add(citizen)
    c = client_of(citizen)
    page = c.get("/business/me/")
    assert page.status_code == 200 and "한강분식 (220-81-62517)" in page.text
    refused = c.post("/business/me/", {"brn": builders.BRN})
    assert refused.status_code == 400 and "Tick the box" in refused.text
    done = c.post("/business/me/", {"brn": builders.BRN, "consent": "on"})
    profile = BusinessProfile.objects.get(owner=citizen)
    assert done.status_code == 302 and done["Location"] == f"/business/me/{profile.pk}/"
    page = c.get(done["Location"])
    assert "Stage: Growth" in page.text and "3 years or more" in page.text
    qualify = page.text.split('id="qualify"')[1].split('id="others"')[0]
    assert "Smart-store onboarding" in qualify and "Rent support" not in qualify
    others = page.text.split('id="others"')[1]
    assert "Sales change from the year before: under -10.0%" in others and "Your business: -4.2%" in others
    facts = page.text.split('id="facts"')[1] if 'id="facts"' in page.text else page.text
    assert "Jung-gu" in facts and "중구" not in facts  # the district in the page's language


def test_a_citizen_applies_once_and_follows_the_application(citizen: User, records: Any, programmes: None) -> None:
    profile = builders.profile(citizen, records)
    c = client_of(citizen)
    url = f"/business/me/{profile.pk}/apply/smart_store/"
    page = c.get(url)
    assert page.status_code == 200 and "What is sent with your application" in page.text
    assert c.post(url, {"note": "사진 촬영이 어렵습니다"}).status_code == 400  # the box not ticked
    done = c.post(url, {"note": "사진 촬영이 어렵습니다", "confirm": "on"})
    made = ProgrammeApplication.objects.get()
    assert done["Location"] == f"/business/me/applications/{made.reference}/"
    assert made.reference in c.get(done["Location"]).text
    again = c.post(url, {"confirm": "on"})
    assert again.status_code == 400 and made.reference in again.text
    assert made.reference in c.get("/business/me/").text


def test_a_business_sees_only_its_own(citizen: User, other_citizen: User, records: Any, programmes: None) -> None:
    made = builders.applied(citizen, records)
    c = client_of(other_citizen)
    assert c.get(f"/business/me/{made.profile_id}/").status_code == 404
    assert c.get(f"/business/me/applications/{made.reference}/").status_code == 404
    assert c.post(f"/business/me/{made.profile_id}/apply/smart_store/", {"confirm": "on"}).status_code == 404
    assert c.post(f"/business/me/applications/{made.reference}/withdraw/").status_code == 404
    assert made.reference not in c.get("/business/me/").text


def test_an_officer_sees_only_their_programmes_applicants(
    citizen: User, records: Any, officer: User, startup_officer: User
) -> None:
    made = builders.applied(citizen, records)
    mine = client_of(officer).get("/business/officer/online_marketing/")
    assert mine.status_code == 200 and made.reference in mine.text
    other = client_of(startup_officer)
    assert other.get("/business/officer/online_marketing/").status_code == 404
    assert other.get(f"/business/officer/online_marketing/{made.reference}/").status_code == 404
    assert "online_marketing" not in other.get("/business/officer/").text
    assert client_of(citizen).get("/business/officer/").status_code == 403


def test_an_applicants_file_asks_a_reason_first_and_each_view_is_audited(
    citizen: User, records: Any, officer: User
) -> None:
    made = builders.applied(citizen, records)
    c = client_of(officer)
    url = f"/business/officer/online_marketing/{made.reference}/"
    first = c.get(url)
    assert "한강분식" not in first.text  # the reason form, not the file
    assert AuditEvent.objects.filter(event="business.applicant.viewed").count() == 0
    import re

    ticket = re.search(r'name="ticket" value="([^"]+)"', first.text)
    assert ticket is not None
    said = c.post(
        "/reason/", {"ticket": ticket.group(1), "reason": "business.selection", "reason_detail": "선정 심사 2026"}
    )
    assert said.status_code == 302
    page = c.get(url)
    assert "한강분식" in page.text and "Your assessment" in page.text
    viewed = AuditEvent.objects.get(event="business.applicant.viewed")
    assert viewed.reason.startswith("business.selection")
    done = c.post(url, {"form": "score", "assessed_plan": "45"})
    assert done.status_code == 302
    made.refresh_from_db()
    assert made.score["total"] == 75


def test_the_evaluation_and_its_audited_csv(evaluator: User, citizen: User, records: Any, officer: User) -> None:
    from django.utils import timezone

    made = builders.applied(citizen, records, "growth_clinic")
    actions.score(made, {"need": 30}, actor=officer)
    actions.select(made.programme, actor=officer)
    actions.record_completion(made, completed=True, on=timezone.localdate(), actor=officer)
    c = client_of(evaluator)
    page = c.get("/business/evaluation/")
    assert page.status_code == 200 and "Business clinic" in page.text
    csv = c.get("/business/evaluation.csv")
    assert csv.status_code == 200 and "Business clinic" in csv.content.decode("utf-8-sig")
    assert AuditEvent.objects.filter(event="data.exported", new__export="business.evaluation").exists()
    assert client_of(citizen).get("/business/evaluation/").status_code == 403


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_page_renders_in_both_languages(
    lang: str, citizen: User, records: Any, officer: User, evaluator: User
) -> None:
    made = builders.applied(citizen, records)
    c = client_of(citizen, lang)
    for url in (
        "/business/",
        "/business/programmes/smart_store/",
        "/business/me/",
        f"/business/me/{made.profile_id}/",
        f"/business/me/{made.profile_id}/apply/smart_store/",
        f"/business/me/applications/{made.reference}/",
    ):
        page = c.get(url)
        assert page.status_code == 200, url
        assert f'lang="{lang}"' in page.text, url
    staff = client_of(officer, lang)
    for url in ("/business/officer/", "/business/officer/online_marketing/"):
        assert staff.get(url).status_code == 200, url
    assert client_of(evaluator, lang).get("/business/evaluation/").status_code == 200
