"""Calls for proposals managed by fund staff: publishing one (each bad field refused with its
code, all at once), the budget within what the chosen sectors have left to commit, changing it
only while nobody has applied, closing it early, the instruments it offers; the pages, and who
may reach them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent, User
from seoul.fund import actions
from seoul.fund.errors import FundError
from seoul.fund.models import Call
from seoul.fund.tests import builders
from seoul.fund.tests.conftest import client_of

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def terms(**changes: Any) -> actions.CallTerms:
    today = TODAY()
    fields: dict[str, Any] = {
        "title_ko": "2027 그린 스타트업 공모",
        "title_en": "2027 green start-ups",
        "sectors": ["green"],
        "stages": ["seed", "early"],
        "instruments": ["equity", "loan"],
        "opens_on": today + timedelta(days=10),
        "closes_on": today + timedelta(days=40),
        "budget": 3_000_000_000,
        "summary_ko": "탄소 감축 기술을 가진 초기 기업",
        "summary_en": "Early start-ups with carbon-cutting technology",
    }
    return actions.CallTerms(**(fields | changes))


def field_codes(form: Any) -> dict[str, list[str]]:
    """The error codes on each field of a form a page rendered."""
    return {name: [e.code for e in errors] for name, errors in form.errors.as_data().items()}


def page_form(response: Any, name: str = "form") -> Any:
    return response.context[name]


# ---- the actions ----------------------------------------------------------------------------


def test_staff_publish_a_call_and_it_is_audited(staff: User) -> None:
    made = actions.publish("2027-green", terms(), actor=staff)
    assert (made.code, made.sectors, made.instruments, made.budget) == (
        "2027-green",
        ["green"],
        ["equity", "loan"],
        3_000_000_000,
    )
    assert made.created_by == staff and made.state_on(TODAY()) == "upcoming"
    event = AuditEvent.objects.get(event="fund.call.opened", target_id=str(made.pk))
    assert (
        event.actor == staff and event.new["budget"] == 3_000_000_000 and event.new["instruments"] == ["equity", "loan"]
    )


@pytest.mark.parametrize(
    ("code", "changes", "field", "error"),
    [
        ("2027-green", {"closes_on": "before"}, "closes_on", FundError.CALL_DATES),
        ("2027-green", {"budget": 0}, "budget", FundError.CALL_BUDGET),
        ("2027-green", {"budget": -5}, "budget", FundError.CALL_BUDGET),
        ("2027-green", {"budget": 10_000_000_001}, "budget", FundError.CALL_OVER_ALLOCATION),
        ("2027-green", {"sectors": []}, "sectors", FundError.CALL_SECTORS),
        ("2027-green", {"sectors": ["space"]}, "sectors", FundError.CALL_SECTORS),
        ("2027-green", {"stages": []}, "stages", FundError.CALL_STAGES),
        ("2027-green", {"instruments": []}, "instruments", FundError.CALL_INSTRUMENTS),
        ("2027-green", {"instruments": ["equity", "grant"]}, "instruments", FundError.CALL_INSTRUMENTS),
        ("2027 Green", {}, "code", FundError.CALL_CODE_FORMAT),
        ("-green", {}, "code", FundError.CALL_CODE_FORMAT),
        ("2026-post-corona", {}, "code", FundError.CALL_CODE_TAKEN),
    ],
)
def test_a_bad_call_is_refused_on_its_field(
    staff: User, code: str, changes: dict[str, Any], field: str, error: str
) -> None:
    builders.call()  # 2026-post-corona exists
    if changes.get("closes_on") == "before":
        changes["closes_on"] = TODAY() + timedelta(days=9)  # the day before it opens
    before = AuditEvent.objects.filter(event="fund.call.opened").count()
    with pytest.raises(ValidationError) as refused:
        actions.publish(code, terms(**changes), actor=staff)
    assert codes_of(refused.value) == [error]
    assert list(refused.value.error_dict) == [field]
    assert Call.objects.count() == 1
    assert AuditEvent.objects.filter(event="fund.call.opened").count() == before


def test_every_problem_is_reported_at_once(staff: User) -> None:
    builders.call()
    with pytest.raises(ValidationError) as refused:
        actions.publish(
            "2026-post-corona",
            terms(budget=0, closes_on=TODAY() - timedelta(days=1), instruments=[]),
            actor=staff,
        )
    found = {k: codes_of(ValidationError(v)) for k, v in refused.value.error_dict.items()}
    assert found == {
        "code": [FundError.CALL_CODE_TAKEN],
        "closes_on": [FundError.CALL_DATES],
        "budget": [FundError.CALL_BUDGET],
        "instruments": [FundError.CALL_INSTRUMENTS],
    }


def test_the_budget_is_bounded_by_what_the_sectors_have_left(founder: User, staff: User, members: list[User]) -> None:
    builders.investee(founder, staff, members)  # 3억 committed in medical and bio (2백억 allocated)
    assert actions.remaining_for(["medical_bio"]) == 20_000_000_000 - 300_000_000
    assert actions.remaining_for(["medical_bio", "green"]) == 30_000_000_000 - 300_000_000
    with pytest.raises(ValidationError) as refused:
        actions.publish("2027-bio", terms(sectors=["medical_bio"], budget=20_000_000_000), actor=staff)
    assert codes_of(refused.value) == [FundError.CALL_OVER_ALLOCATION]
    made = actions.publish("2027-bio", terms(sectors=["medical_bio"], budget=19_700_000_000), actor=staff)
    assert made.budget == 19_700_000_000


@pytest.mark.parametrize("who", ["founder", "outsider", "viewer"])
def test_only_fund_staff_publish_change_or_close(who: str, request: pytest.FixtureRequest) -> None:
    actor = request.getfixturevalue(who)
    found = builders.call()
    for attempt in (
        lambda: actions.publish("2027-green", terms(), actor=actor),
        lambda: actions.change_call(found, terms(), actor=actor),
        lambda: actions.close_call(found, reason="예산 소진", actor=actor),
    ):
        with pytest.raises(PermissionDenied) as denied:
            attempt()
        assert denied.value.code == FundError.NEEDS_STAFF  # type: ignore[attr-defined]
    assert Call.objects.count() == 1 and Call.objects.get().closed_on is None


def test_a_call_changes_until_someone_applies(founder: User, staff: User) -> None:
    found = actions.publish("2027-green", terms(opens_on=TODAY() - timedelta(days=1)), actor=staff)
    changed = actions.change_call(found, terms(opens_on=TODAY() - timedelta(days=1), budget=4_000_000_000), actor=staff)
    assert changed.budget == 4_000_000_000 and changed.code == "2027-green"
    event = AuditEvent.objects.get(event="fund.call.changed")
    assert (event.old, event.new) == ({"budget": 3_000_000_000}, {"budget": 4_000_000_000})
    builders.applied(founder, changed, sector="green", instrument="loan", amount=100_000_000)
    with pytest.raises(ValidationError) as refused:
        actions.change_call(changed, terms(budget=5_000_000_000), actor=staff)
    assert codes_of(refused.value) == [FundError.CALL_LOCKED]
    assert Call.objects.get(pk=found.pk).budget == 4_000_000_000
    assert AuditEvent.objects.filter(event="fund.call.changed").count() == 1


def test_a_call_closed_early_takes_no_application_and_stays_closed(founder: User, staff: User) -> None:
    found = builders.call()
    with pytest.raises(ValidationError) as refused:
        actions.close_call(found, reason="  ", actor=staff)
    assert codes_of(refused.value) == [FundError.REASON_REQUIRED]
    closed = actions.close_call(found, reason="예산 조기 소진", actor=staff)
    assert closed.state_on(TODAY()) == "closed" and not closed.is_open(TODAY())
    assert closed.closes_on > TODAY() and closed.closed_on == TODAY()  # the planned dates stay
    event = AuditEvent.objects.get(event="fund.call.closed", target_id=str(found.pk))
    assert event.actor == staff and event.new["reason"] == "예산 조기 소진" and event.old["state"] == "open"
    with pytest.raises(ValidationError) as refused:
        builders.applied(founder, found)
    assert codes_of(refused.value) == [FundError.CALL_CLOSED]
    with pytest.raises(ValidationError) as refused:
        actions.close_call(found, reason="다시", actor=staff)
    assert codes_of(refused.value) == [FundError.CALL_ALREADY_CLOSED]
    with pytest.raises(ValidationError) as refused:
        actions.change_call(found, terms(), actor=staff)
    assert codes_of(refused.value) == [FundError.CALL_ALREADY_CLOSED]


def test_an_upcoming_call_closed_early_never_opens(staff: User) -> None:
    found = actions.publish("2027-green", terms(), actor=staff)
    actions.close_call(found, reason="공모 취소", actor=staff)
    found.refresh_from_db()
    assert found.state_on(found.opens_on) == "closed"
    assert [found.state_on(d) for d in (date(2020, 1, 1), found.opens_on)] == ["closed", "closed"]


def test_the_states_of_a_call_by_its_dates() -> None:
    found = builders.call(opens_on=TODAY() + timedelta(days=1), closes_on=TODAY() + timedelta(days=2))
    day = found.opens_on
    assert [found.state_on(day + timedelta(days=n)) for n in (-1, 0, 1, 2)] == ["upcoming", "open", "open", "closed"]


def test_a_start_up_asks_only_for_an_instrument_the_call_offers(founder: User) -> None:
    found = builders.call(instruments=["loan"])
    with pytest.raises(ValidationError) as refused:
        builders.applied(founder, found)  # equity
    assert codes_of(refused.value) == [FundError.INSTRUMENT_NOT_IN_CALL]
    assert builders.applied(founder, found, instrument="loan", amount=100_000_000).instrument == "loan"


# ---- the pages ------------------------------------------------------------------------------


def _post_new(client: Client, **changes: Any) -> Any:
    today = TODAY()
    data = {
        "code": "2027-green",
        "title_ko": "2027 그린 스타트업 공모",
        "title_en": "2027 green start-ups",
        "sectors": ["green"],
        "stages": ["seed"],
        "instruments": ["equity", "convertible"],
        "budget": "2000000000",
        "opens_on": today.isoformat(),
        "closes_on": (today + timedelta(days=30)).isoformat(),
        "summary_ko": "",
        "summary_en": "",
    } | changes
    return client.post("/fund/staff/calls/new/", data)


def test_staff_publish_a_call_on_the_page_and_see_it_listed_with_its_state(staff: User) -> None:
    builders.call("2025-old", opens_on=TODAY() - timedelta(days=60), closes_on=TODAY() - timedelta(days=30))
    c = client_of(staff)
    assert c.get("/fund/staff/calls/new/").status_code == 200
    done = _post_new(c)
    assert done.status_code == 302 and done["Location"] == "/fund/staff/calls/2027-green/edit/"
    made = Call.objects.get(code="2027-green")
    assert made.instruments == ["equity", "convertible"] and made.created_by == staff
    assert AuditEvent.objects.filter(event="fund.call.opened", actor=staff).count() == 1
    for lang in ("en", "ko"):
        page = client_of(staff, lang).get("/fund/staff/calls/")
        assert page.status_code == 200
        states = {r["call"].code: r["state"][0] for r in page.context["rows"]}
        assert states == {"2027-green": "success", "2025-old": "neutral"}
    upcoming = _post_new(c, code="2027-later", opens_on=(TODAY() + timedelta(days=5)).isoformat())
    assert upcoming.status_code == 302
    only = client_of(staff).get("/fund/staff/calls/", {"state": "upcoming"})
    assert [r["call"].code for r in only.context["rows"]] == ["2027-later"]
    public = Client().get("/fund/calls/2027-green/")
    assert (
        public.status_code == 200
        and b"2027 green" in Client(headers={"accept-language": "en"}).get("/fund/calls/2027-green/").content
    )


def test_the_page_refuses_each_bad_field_with_its_code(staff: User) -> None:
    builders.call()
    c = client_of(staff)
    bad = _post_new(
        c,
        code="2026-post-corona",
        budget="0",
        opens_on=TODAY().isoformat(),
        closes_on=(TODAY() - timedelta(days=1)).isoformat(),
    )
    assert bad.status_code == 400
    assert field_codes(page_form(bad)) == {
        "code": [FundError.CALL_CODE_TAKEN],
        "closes_on": [FundError.CALL_DATES],
        "budget": [FundError.CALL_BUDGET],
    }
    assert b"error-summary" in bad.content and Call.objects.count() == 1
    over = _post_new(c, budget="10000000001")
    assert over.status_code == 400
    assert field_codes(page_form(over)) == {"budget": [FundError.CALL_OVER_ALLOCATION]}


def test_the_page_changes_a_call_until_someone_applies_and_closes_it(founder: User, staff: User) -> None:
    found = builders.call()
    c = client_of(staff)
    url = f"/fund/staff/calls/{found.code}/edit/"
    page = c.get(url)
    assert page.status_code == 200 and page.context["may_change"] and b'id="change-call"' in page.content
    data = {
        "form": "change",
        "change-title_ko": "2026 포스트코로나 공모 (변경)",
        "change-title_en": found.title_en,
        "change-sectors": found.sectors,
        "change-stages": found.stages,
        "change-instruments": ["equity", "loan"],
        "change-budget": "6000000000",
        "change-opens_on": found.opens_on.isoformat(),
        "change-closes_on": found.closes_on.isoformat(),
    }
    assert c.post(url, data).status_code == 302
    found.refresh_from_db()
    assert (found.title_ko, found.budget, found.instruments) == (
        "2026 포스트코로나 공모 (변경)",
        6_000_000_000,
        ["equity", "loan"],
    )
    builders.applied(founder, found)
    locked = c.get(url)
    assert (
        not locked.context["may_change"]
        and b'id="change-call"' not in locked.content
        and b'id="locked"' in locked.content
    )
    refused = c.post(url, data | {"change-budget": "7000000000"})
    assert refused.status_code == 400
    assert field_codes(page_form(refused, "change")) == {"__all__": [FundError.CALL_LOCKED]}
    assert b"error-summary" in refused.content  # said at the top: the form is gone
    assert Call.objects.get(pk=found.pk).budget == 6_000_000_000
    no_reason = c.post(url, {"form": "close", "close-reason": ""})
    assert no_reason.status_code == 400 and "reason" in page_form(no_reason, "close").errors
    closed = c.post(url, {"form": "close", "close-reason": "예산 조기 소진"})
    assert closed.status_code == 302
    assert Call.objects.get(pk=found.pk).closed_on == TODAY()
    public = Client().get(f"/fund/calls/{found.code}/")
    assert b'id="closed-early"' in public.content and b'id="apply"' not in public.content
    again = c.get(url)
    assert not again.context["may_close"] and b'id="close-call"' not in again.content


def test_the_apply_form_offers_only_the_calls_instruments(founder: User) -> None:
    found = builders.call(instruments=["loan", "convertible"])
    page = client_of(founder).get(f"/fund/calls/{found.code}/apply/")
    assert [c for c, _ in page.context["form"].fields["instrument"].choices] == ["convertible", "loan"]
    call_page = Client(headers={"accept-language": "en"}).get(f"/fund/calls/{found.code}/")
    assert b"Equity investment" not in call_page.content and b"Loan" in call_page.content


@pytest.mark.parametrize("who", ["founder", "outsider", "viewer"])
def test_the_call_pages_are_for_fund_staff(who: str, request: pytest.FixtureRequest) -> None:
    found = builders.call()
    c = client_of(request.getfixturevalue(who))
    for url in ("/fund/staff/calls/", "/fund/staff/calls/new/", f"/fund/staff/calls/{found.code}/edit/"):
        assert c.get(url).status_code == 403, url
    assert _post_new(c).status_code == 403
    closed = c.post(f"/fund/staff/calls/{found.code}/edit/", {"form": "close", "close-reason": "무단"})
    assert closed.status_code == 403
    assert Call.objects.count() == 1 and Call.objects.get().closed_on is None


def test_an_unknown_call_is_not_found(staff: User) -> None:
    assert client_of(staff).get("/fund/staff/calls/nope/edit/").status_code == 404
