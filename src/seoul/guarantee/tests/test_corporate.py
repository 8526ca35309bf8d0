"""Companies (법인) apply too (issue 18 §1): a business number whose type code says corporation
has its corporate registration fetched with the business registration (the applicant must be a
대표이사 it names), and its shareholder register and financial statements with the tax
documents; their checks, and what screening makes of them. A sole proprietor's journey is the
one it was (the rest of the suite, whose business is a sole proprietor's)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from seoul.core.engine import brn
from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent, User
from seoul.core.testing import state_reason
from seoul.guarantee import actions
from seoul.guarantee.adapters.standins import DEMO_SHOPS, Director, Shareholder
from seoul.guarantee.engine import corporate, screening
from seoul.guarantee.engine import documents as doc_rules
from seoul.guarantee.engine.checklist import Item
from seoul.guarantee.labels import (
    BUSINESS_CONSENT_TEXT,
    COMPANY_BUSINESS_CONSENT_TEXT,
    COMPANY_DOCUMENTS_CONSENT_TEXT,
    DOCUMENTS_CONSENT_TEXT,
)
from seoul.guarantee.models import Application
from seoul.guarantee.tests.builders import (
    DIRECTOR,
    GOOD_BRN,
    PERSON,
    company,
    confirmed,
    draft,
    identify,
    profile,
    referred,
    submitted,
)

pytestmark = pytest.mark.django_db

COMPANY = brn.make("101812345")  # 101-81-2345x: type code 81, a company's head office
TAX = ("vat_tax_base", "national_tax_payment", "local_tax_payment", "credit_report")


def register(docs_service: Any, **changes: Any) -> None:
    docs_service.register(profile(COMPANY, **company(**changes)))


def refused(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return codes_of(exc.value)


# --- the journey ----------------------------------------------------------------------------


def test_a_representative_director_applies_through_the_documents_to_screening(citizen: User, docs_service: Any) -> None:
    register(docs_service)
    app = confirmed(citizen, COMPANY)
    assert app.business_confirmed_at is not None and app.business_name == "(주)한강공방"
    assert app.business_consent_text == str(COMPANY_BUSINESS_CONSENT_TEXT)
    kept = {d.kind: d.data for d in app.documents.all()}
    assert set(kept) == {"business_registration", "corporate_registration"}
    # the connecting identifiers were compared, and are kept nowhere
    assert "representative_ci" not in json.dumps(kept)
    assert [d["name"] for d in kept["corporate_registration"]["directors"]] == ["김서울", "박이사", "최감사"]
    assert actions.fetch_documents(app, consent=True, actor=citizen) == []
    assert docs_service.served == [
        (COMPANY, ("business_registration",)),
        (COMPANY, ("corporate_registration",)),  # only once the business registration named the applicant
        (COMPANY, (*TAX, "shareholder_register", "financial_statements")),
    ]
    app.refresh_from_db()
    assert app.documents_fetched and app.consent_text == str(COMPANY_DOCUMENTS_CONSENT_TEXT)
    facts = app.facts(date.today())
    assert facts is not None
    # a company's sales are its revenue in the statements, not the VAT certificate's 200,000,000
    assert facts.sales_last_year == 210_000_000
    assert (facts.capital_impaired, facts.large_group_affiliate, facts.large_group_shareholder) == (False,) * 3
    assert actions.checklist(app) != []  # the rest is still to answer; the company itself is sound
    assert {i.step for i in actions.checklist(app)} <= {"product", "amount", "bank", "phone"}


def test_a_companys_file_is_screened_on_its_statements_and_examiners_and_applicants_see_the_company(
    client: Client, citizen: User, docs_service: Any, examiner: User
) -> None:
    app = referred(citizen, docs_service, number=COMPANY, business=company())
    assert app.screening["reasons"] == []
    assert app.screening["limit"] == 52_500_000  # 25 % of the statements' revenue (not of 200,000,000)
    client.force_login(examiner)
    page = state_reason(client, f"/guarantee/queue/{app.reference}/", "guarantee.examination", "screening").content
    text = page.decode()
    assert 'data-testid="company"' in text
    crn = doc_rules.company_summary([d.data for d in app.documents.all() if d.data], date.today())
    assert crn is not None and crn.corporate_no in text and corporate.is_valid_crn(crn.corporate_no)
    assert "김서울" in text.split('data-testid="chief-executives"')[1][:40]
    assert "70.0%" in text and "30.0%" in text  # the largest shareholders with their shares
    # the applicant's "check your answers" page, before sending
    mine = Client()
    mine.force_login(citizen)
    docs_service.register(profile(brn.make("101819876"), **company()))
    other = draft(citizen, number=brn.make("101819876"), product="regular", amount_manwon="4000")
    check = mine.get(f"/guarantee/apply/{other.reference}/check/").content.decode()
    assert 'data-testid="company"' in check


# --- who may apply for a company ------------------------------------------------------------


@pytest.mark.parametrize(
    "board",
    [
        # the business registration names 박이사, but the corporate registration makes him a 사내이사
        [Director(PERSON[0], "대표이사", PERSON[1]), Director(DIRECTOR[0], "사내이사", DIRECTOR[1])],
        # a 대표이사 of the same name, who is another person (another connecting identifier)
        [Director(DIRECTOR[0], "대표이사", "010-0000-1111"), Director(PERSON[0], "감사", PERSON[1])],
    ],
)
def test_a_director_who_is_not_a_representative_director_is_refused_and_nothing_else_is_fetched(
    reference: None, docs_service: Any, board: list[Director]
) -> None:
    register(docs_service, person=DIRECTOR, directors=board)
    director = identify(None, DIRECTOR)
    app = actions.save_answer(actions.start_application(actor=director), "brn", COMPANY, actor=director)
    with pytest.raises(ValidationError) as exc:
        actions.confirm_business(app, consent=True, actor=director)
    assert refused(exc) == ["guarantee.not_chief_executive"]
    assert docs_service.served == [(COMPANY, ("business_registration",)), (COMPANY, ("corporate_registration",))]
    app.refresh_from_db()
    assert app.business_confirmed_at is None and app.business_name == "" and not app.documents.exists()
    stopped = AuditEvent.objects.get(event="guarantee.business.not_representative")
    assert stopped.actor == director and stopped.target_id == str(app.pk)  # counts towards the daily limit
    with pytest.raises(ValidationError) as exc:
        actions.fetch_documents(app, consent=True, actor=director)
    assert refused(exc) == ["guarantee.business_first"]
    assert len(docs_service.served) == 2


def test_a_director_the_business_registration_does_not_name_never_gets_the_corporate_registration(
    reference: None, docs_service: Any
) -> None:
    register(docs_service)  # the business registration names 김서울
    director = identify(None, DIRECTOR)
    app = actions.save_answer(actions.start_application(actor=director), "brn", COMPANY, actor=director)
    with pytest.raises(ValidationError) as exc:
        actions.confirm_business(app, consent=True, actor=director)
    assert refused(exc) == ["guarantee.not_representative"]
    assert docs_service.served == [(COMPANY, ("business_registration",))]


# --- what the documents must show ------------------------------------------------------------


@pytest.mark.parametrize("status", ["dissolved", "liquidation"])
def test_a_dissolved_or_liquidating_company_cannot_send(citizen: User, docs_service: Any, status: str) -> None:
    register(docs_service, status=status)
    app = draft(citizen, number=COMPANY, fetch=False)
    corp = app.documents.get(kind="corporate_registration")
    assert [p["code"] for p in corp.problems] == ["company_not_in_force"]
    assert Item("business", "company_not_in_force", "corporate_registration") in actions.checklist(app)
    with pytest.raises(ValidationError) as exc:
        actions.submit(app, actor=citizen)
    assert refused(exc) == ["guarantee.incomplete"]
    assert Application.objects.get(pk=app.pk).state == "draft"


def test_shares_that_do_not_add_up_to_the_shares_issued_stop_the_file(citizen: User, docs_service: Any) -> None:
    register(docs_service, total_shares=12_000)  # 10,000 held
    app = confirmed(citizen, COMPANY)
    problems = actions.fetch_documents(app, consent=True, actor=citizen)
    assert problems == [
        {"kind": "shareholder_register", "code": "shares_do_not_add_up", "detail": "10000 held, 12000 issued"}
    ]
    app.refresh_from_db()
    assert not app.documents_fetched
    assert Item("documents", "shares_do_not_add_up", "shareholder_register") in actions.checklist(app)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"total_equity": 70_000_000}, "statements_do_not_balance"),  # 150 ≠ 90 + 70 (million)
        ({"fiscal_year": date.today().year - 3}, "fiscal_year_not_recent"),
        ({"company_name": "주식회사 남산상회"}, "company_name_mismatch"),
        ({"corporate_no": "110111-0062430"}, "invalid_corporate_no"),  # the check digit is 2
        ({"directors": [Director(PERSON[0], "사내이사", PERSON[1])]}, "guarantee.not_chief_executive"),
    ],
)
def test_each_inconsistency_of_a_companys_documents_is_its_own_problem(
    citizen: User, docs_service: Any, changes: dict[str, Any], code: str
) -> None:
    register(docs_service, **changes)
    app = actions.save_answer(actions.start_application(actor=citizen), "brn", COMPANY, actor=citizen)
    if code.startswith("guarantee."):  # no 대표이사 at all: nobody can apply online
        with pytest.raises(ValidationError) as exc:
            actions.confirm_business(app, consent=True, actor=citizen)
        assert refused(exc) == [code]
        return
    app = actions.confirm_business(app, consent=True, actor=citizen)
    problems = actions.fetch_documents(app, consent=True, actor=citizen)
    assert [p["code"] for p in problems] == [code]


def test_a_company_with_its_capital_fully_impaired_is_referred_to_an_examiner(citizen: User, docs_service: Any) -> None:
    # total equity −30,000,000 won (완전자본잠식): the statements still balance
    business = company(total_assets=100_000_000, total_liabilities=130_000_000)
    app = submitted(citizen, docs_service, number=COMPANY, business=business)
    assert app.state == "referred", app.screening
    assert app.screening["reasons"] == [] and app.screening["refer_reasons"] == ["capital_impaired"]
    # the same company with equity: approved at once
    sound = submitted(citizen, docs_service, number=brn.make("101815555"), business=company())
    assert sound.state == "approved", sound.screening


def test_an_affiliate_of_a_large_enterprise_group_is_not_eligible(citizen: User, docs_service: Any) -> None:
    group = Shareholder("(주)대한그룹홀딩스", 6_000, kind="corporation", large_group=True)
    register(docs_service, shareholders=[group, Shareholder(PERSON[0], 4_000)])
    app = draft(citizen, number=COMPANY)  # the documents themselves are sound
    assert Item("documents", "large_group_affiliate") in actions.checklist(app)
    with pytest.raises(ValidationError) as exc:
        actions.submit(app, actor=citizen)
    assert refused(exc) == ["guarantee.incomplete"]
    facts = app.facts(date.today())
    assert facts is not None and facts.large_group_affiliate
    assert "large_group_affiliate" in screening.screen(facts, "emergency_covid", 10_000_000, date.today()).reasons


def test_a_small_holding_of_a_large_group_goes_to_an_examiner(citizen: User, docs_service: Any) -> None:
    group = Shareholder("(주)대한그룹홀딩스", 1_000, kind="corporation", large_group=True)
    business = company(shareholders=[Shareholder(PERSON[0], 9_000), group])
    app = submitted(citizen, docs_service, number=COMPANY, business=business)
    assert app.state == "referred" and app.screening["refer_reasons"] == ["large_group_shareholder"]


def test_the_demo_company_goes_through_as_its_representative_director(reference: None, docs_service: Any) -> None:
    ceo = identify(None, DEMO_SHOPS[0])  # 최민준, 대표이사 of (주)성수로보틱스
    number = brn.make("101812026")
    app = actions.save_answer(actions.start_application(actor=ceo), "brn", number, actor=ceo)
    app = actions.confirm_business(app, consent=True, actor=ceo)
    assert actions.fetch_documents(app, consent=True, actor=ceo) == []
    summary = doc_rules.company_summary([d.data for d in app.documents.all() if d.data], date.today())
    assert summary is not None and summary.chief_executives == ("최민준",)
    assert summary.largest_shareholders[0] == ("최민준", 0.6) and summary.revenue == 1_180_000_000


# --- a sole proprietor ------------------------------------------------------------------------


def test_a_sole_proprietor_is_asked_for_nothing_a_company_is(citizen: User, docs_service: Any) -> None:
    # even if the register had a company's documents for the number, none is asked for
    docs_service.register(profile(**{k: v for k, v in company().items() if k != "business_name"}))
    app = confirmed(citizen, GOOD_BRN)
    assert app.business_consent_text == str(BUSINESS_CONSENT_TEXT)
    assert actions.fetch_documents(app, consent=True, actor=citizen) == []
    assert docs_service.served == [(GOOD_BRN, ("business_registration",)), (GOOD_BRN, TAX)]
    asked = [scope for number, scope, _expiry in docs_service.tokens.values() if number == GOOD_BRN]
    assert asked and not any(scope & set(doc_rules.CORPORATE) for scope in asked)  # not even consented to
    app.refresh_from_db()
    assert app.consent_text == str(DOCUMENTS_CONSENT_TEXT)
    assert set(app.documents.values_list("kind", flat=True)) == {"business_registration", *TAX}
    facts = app.facts(date.today())
    assert facts is not None and facts.sales_last_year == 200_000_000  # the VAT certificate's


# --- the rules themselves ---------------------------------------------------------------------


@pytest.mark.parametrize("number", ["130111-0006246", "110111-0085450", "1101110062432", "110111 0062432"])
def test_corporate_registration_numbers_of_public_disclosures_are_valid(number: str) -> None:
    assert corporate.is_valid_crn(number)


def test_one_wrong_digit_of_a_corporate_registration_number_is_caught_but_for_a_known_blind_spot() -> None:
    """Weights 1 and 2 modulo 10 catch every wrong digit but one that differs by 5 in a place
    weighted 2 (3 for 8: 2 × 5 = 10): the rule's own limit, which a typed number shares."""
    good = "1301110006246"
    for i in range(13):
        for d in "0123456789":
            if d != good[i]:
                blind = i < 12 and i % 2 == 1 and abs(int(d) - int(good[i])) == 5
                assert corporate.is_valid_crn(good[:i] + d + good[i + 1 :]) == blind, (i, d)
    for bad in ["130111-000624", "13011100062460", "130111-00062a6", "0000110006246", "1301110000000", ""]:
        assert not corporate.is_valid_crn(bad)


def test_company_names_compare_without_their_legal_form() -> None:
    same = ["주식회사 한강공방", "(주)한강공방", "㈜ 한강공방", "한강공방 주식회사", "（주）한강공방"]
    assert {corporate.company_name(n) for n in same} == {"한강공방"}
    assert corporate.company_name("(주)남산공방") != corporate.company_name("(주)한강공방")


@pytest.mark.parametrize(
    ("kind", "changes", "field"),
    [
        ("shareholder_register", {"total_shares": True}, "shareholders"),
        ("shareholder_register", {"shareholders": [{"name": "김", "kind": "person", "shares": -1}]}, "shareholders"),
        ("shareholder_register", {"shareholders": "all of them"}, "shareholders"),
        ("financial_statements", {"revenue": "210000000"}, "revenue"),
        ("financial_statements", {"total_equity": 10**14}, "total_equity"),
        ("financial_statements", {"fiscal_year": 3000}, "fiscal_year"),
        ("corporate_registration", {"incorporated_on": "2999-01-01"}, "incorporated_on"),
        ("corporate_registration", {"status": "sleeping"}, "status"),
        ("corporate_registration", {"directors": [{"name": "김서울"}]}, "directors"),
    ],
)
def test_values_out_of_bounds_are_problems_not_crashes_nor_facts(
    kind: str, changes: dict[str, Any], field: str
) -> None:
    today = date.today()
    docs = sound_company_documents(today)
    by_kind = {d["kind"]: d for d in docs}
    by_kind[kind].update(changes)
    problems = doc_rules.validate(docs, COMPANY, today)
    assert doc_rules.Problem(kind, "invalid_value", field) in problems
    facts = doc_rules.facts_from(docs, today)  # never raises
    if kind == "financial_statements":
        assert facts["sales_last_year"] == 200_000_000  # the VAT certificate's, not a figure out of bounds
    assert doc_rules.company_summary(docs, today) is not None


def test_a_sound_set_of_company_documents_has_no_problems() -> None:
    today = date.today()
    assert doc_rules.validate(sound_company_documents(today), COMPANY, today) == []
    assert {p.kind for p in doc_rules.validate(sound_company_documents(today)[:5], COMPANY, today)} == set(
        doc_rules.CORPORATE
    )


def sound_company_documents(today: date) -> list[dict[str, Any]]:
    issued = today.isoformat()
    base = {
        "issued_on": issued,
        "brn": brn.formatted(COMPANY),
        "business_name": "(주)한강공방",
        "representative": "김서울",
    }
    return [
        {
            **base,
            "kind": "business_registration",
            "opened_on": "2018-03-02",
            "address": "서울특별시 중구 세종대로 110",
            "industry": "manufacturing",
            "status": "active",
            "corporate_no": "110111-0062432",
        },
        {**base, "kind": "vat_tax_base", "sales_by_year": {str(today.year - 1): 200_000_000}},
        {**base, "kind": "national_tax_payment", "arrears": False},
        {**base, "kind": "local_tax_payment", "arrears": False},
        {"kind": "credit_report", "issued_on": issued, "score": 880, "guarantee_balance": 0},
        {
            "kind": "corporate_registration",
            "issued_on": issued,
            "corporate_no": "110111-0062432",
            "company_name": "주식회사 한강공방",
            "head_office": "서울특별시 중구 세종대로 110",
            "incorporated_on": "2018-03-02",
            "status": "in_force",
            "directors": [{"name": "김서울", "role": "대표이사"}, {"name": "박이사", "role": "사내이사"}],
        },
        {
            **base,
            "kind": "shareholder_register",
            "shareholders": [
                {"name": "김서울", "kind": "person", "shares": 7_000},
                {"name": "박이사", "kind": "person", "shares": 3_000, "large_group": False},
            ],
            "total_shares": 10_000,
        },
        {
            **base,
            "kind": "financial_statements",
            "fiscal_year": today.year - 1,
            "revenue": 210_000_000,
            "operating_profit": 12_000_000,
            "total_assets": 150_000_000,
            "total_liabilities": 90_000_000,
            "total_equity": 60_000_000,
        },
    ]
