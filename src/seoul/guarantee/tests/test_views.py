"""Pages and API through Django's test client: the journey, faults and access role by role."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from seoul.core.models import AuditEvent, User
from seoul.core.testing import ReasonClient, state_reason
from seoul.guarantee import actions
from seoul.guarantee.adapters import clients, signing
from seoul.guarantee.models import Application, Loan
from seoul.guarantee.tests.conftest import GOOD_BRN, profile, wait_for

pytestmark = pytest.mark.django_db


def signed_in_by_simple_auth(client: Client, name: str = "김서울", phone: str = "010-3333-4444") -> User:
    r = client.post("/guarantee/sign-in/", {"provider": "naver", "name": name, "phone": phone})
    assert r.status_code == 302 and r["Location"] == "/guarantee/sign-in/wait/"
    r = client.post("/guarantee/sign-in/wait/")
    assert r.status_code == 302 and r["Location"] == "/guarantee/apply/"
    return User.objects.get(pk=client.session["_auth_user_id"])


def answer_all(client: Client, ref: str, amount: str = "1000", product: str = "emergency_covid") -> None:
    for field, value in [
        ("brn", "220-81-62517"),
        ("product", product),
        ("amount", amount),
        ("bank", "standin"),
        ("phone", "010-3333-4444"),
        ("email", ""),
    ]:
        r = client.post(f"/guarantee/apply/{ref}/q/{field}/", {"value": value})
        assert r.status_code == 302, (field, r.content.decode()[:2000])


def test_whole_journey_through_the_pages(client: Client, reference: None, docs_service: Any, bank: Any) -> None:
    docs_service.register(profile())
    user = signed_in_by_simple_auth(client)
    r = client.post("/guarantee/apply/new/")
    ref = r["Location"].split("/")[3]
    answer_all(client, ref)
    r = client.post(f"/guarantee/apply/{ref}/documents/", {"consent": "yes"})
    assert r.status_code == 302 and r["Location"].endswith("/check/")
    r = client.post(f"/guarantee/apply/{ref}/check/")
    assert r["Location"] == f"/guarantee/apply/{ref}/?submitted=1"
    page = client.get(r["Location"]).content.decode()
    assert ref in page and 'data-state="approved"' in page
    # double submit: the second click lands on the status page, nothing is screened twice
    r = client.post(f"/guarantee/apply/{ref}/check/")
    assert r.status_code == 302
    assert AuditEvent.objects.filter(event="guarantee.transition", new__state="submitted").count() == 1
    r = client.post(f"/guarantee/apply/{ref}/agreement/", {"agree": "yes"})
    assert r.status_code == 302
    wait_for(lambda: len(bank.captured) == 2)
    for url, body, headers in bank.captured:
        assert url == "http://testserver/api/v1/guarantee/bank/webhook"
        resp = client.post(
            "/api/v1/guarantee/bank/webhook",
            body,
            content_type="application/json",
            HTTP_X_BANK_SIGNATURE=headers["X-Bank-Signature"],
        )
        assert resp.status_code == 200, resp.content
    app = Application.objects.get(reference=ref)
    assert app.state == "loan_executed" and app.applicant == user
    assert Loan.objects.filter(certificate__application=app).count() == 1
    assert 'data-state="loan_executed"' in client.get(f"/guarantee/apply/{ref}/").content.decode()


def test_webhook_without_a_valid_signature_is_refused(client: Client, reference: None) -> None:
    body = json.dumps({"event_id": "e1", "type": "loan.executed", "certificate_number": "SGC-X"}).encode()
    r = client.post(
        "/api/v1/guarantee/bank/webhook",
        body,
        content_type="application/json",
        HTTP_X_BANK_SIGNATURE=signing.sign("wrong", body),
    )
    assert r.status_code == 401
    stale = signing.sign(clients.bank_secret(), body, now=0)
    r = client.post(
        "/api/v1/guarantee/bank/webhook", body, content_type="application/json", HTTP_X_BANK_SIGNATURE=stale
    )
    assert r.status_code == 401


def test_invalid_business_number_page_says_why(client: Client, reference: None) -> None:
    signed_in_by_simple_auth(client)
    ref = client.post("/guarantee/apply/new/")["Location"].split("/")[3]
    r = client.post(f"/guarantee/apply/{ref}/q/brn/", {"value": "220-81-62518"})
    assert r.status_code == 400
    assert "잘못 입력한 숫자" in r.content.decode()  # the page is Korean first
    assert Application.objects.get(reference=ref).brn == ""


def test_disguised_upload_is_refused_on_the_page(client: Client, reference: None) -> None:
    signed_in_by_simple_auth(client)
    ref = client.post("/guarantee/apply/new/")["Location"].split("/")[3]
    answer_all(client, ref)
    fake = SimpleUploadedFile("vat.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf")
    r = client.post(f"/guarantee/apply/{ref}/documents/upload/", {"kind": "vat_tax_base", "file": fake})
    assert r.status_code == 400 and "PDF, JPEG, PNG 파일만" in r.content.decode()
    big = SimpleUploadedFile("vat.pdf", b"%PDF-" + b"0" * (1024 * 1024 + 10), content_type="application/pdf")
    r = client.post(f"/guarantee/apply/{ref}/documents/upload/", {"kind": "vat_tax_base", "file": big})
    assert r.status_code == 400 and "1MB보다 큽니다" in r.content.decode()
    assert not Application.objects.get(reference=ref).documents.exists()


def test_applicants_see_only_their_own_files(client: Client, reference: None) -> None:
    signed_in_by_simple_auth(client, name="김서울", phone="010-3333-4444")
    ref = client.post("/guarantee/apply/new/")["Location"].split("/")[3]
    other = Client()
    signed_in_by_simple_auth(other, name="이한강", phone="010-5555-6666")
    for url in (f"/guarantee/apply/{ref}/", f"/guarantee/apply/{ref}/q/brn/", f"/guarantee/apply/{ref}/check/"):
        assert other.get(url).status_code == 404
    assert other.post(f"/guarantee/apply/{ref}/withdraw/").status_code == 404
    assert other.get("/guarantee/queue/").status_code == 403


@pytest.mark.parametrize(
    ("roles", "institution", "queue_status"),
    [
        ({}, "SEOULSHINBO", 403),
        ({"guarantee": "viewer"}, "SEOULSHINBO", 403),
        ({"guarantee": "operator"}, "SEOULSHINBO", 200),
        ({"guarantee": "approver"}, "SEOULSHINBO", 200),
        ({"metro": "admin"}, "SEOUL_METRO", 403),
    ],
)
def test_queue_access_role_by_role(
    client: Client, make_user: Callable[..., User], roles: dict[str, str], institution: str, queue_status: int
) -> None:
    user = make_user(roles=roles, institution=institution)
    client.force_login(user)
    assert client.get("/guarantee/queue/").status_code == queue_status


def _referred(citizen: User, docs_service: Any) -> Application:
    docs_service.register(profile())
    app = actions.start_application(citizen)
    for f, v in [
        ("brn", GOOD_BRN),
        ("product", "regular"),
        ("amount", "4000"),
        ("bank", "standin"),
        ("phone", "01012345678"),
    ]:
        app = actions.save_answer(citizen, app, f, v)
    actions.fetch_documents(citizen, app, consent=True)
    return actions.submit(citizen, app)


def test_examiners_see_only_their_institutions_queue_and_files_with_a_reason(
    client: Client, citizen: User, docs_service: Any, examiner: User, make_user: Callable[..., User]
) -> None:
    app = _referred(citizen, docs_service)
    client.force_login(examiner)
    assert app.reference in client.get("/guarantee/queue/").content.decode()
    url = f"/guarantee/queue/{app.reference}/"
    r = client.get(url)
    assert "220-81-62517" not in r.content.decode()  # no personal data before a reason
    r = state_reason(client, url, "guarantee.examination", "screening the file")
    assert r.status_code == 200 and "220-81-62517" in r.content.decode()
    seen = AuditEvent.objects.filter(event="guarantee.file.viewed", actor=examiner).get()
    assert seen.reason == "guarantee.examination: screening the file"
    outsider = make_user(institution="SBA", roles={"guarantee": "approver"})
    other = Client()
    other.force_login(outsider)
    assert app.reference not in other.get("/guarantee/queue/").content.decode()
    assert other.get(url).status_code == 404


def test_decision_without_comment_is_refused_and_recorded_with_one(
    client: Client, citizen: User, docs_service: Any, examiner: User
) -> None:
    app = _referred(citizen, docs_service)
    client.force_login(examiner)
    url = f"/guarantee/queue/{app.reference}/"
    state_reason(client, url, "guarantee.examination", "screening the file")
    r = client.post(url, {"decision": "reject", "comment": ""})
    assert r.status_code == 400
    app.refresh_from_db()
    assert app.state == "referred"
    r = client.post(url, {"decision": "reject", "comment": "Sales fell 60%: not sustainable now."})
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.state == "rejected" and app.reviews.get().comment.startswith("Sales fell")


def test_uploaded_document_download_needs_a_reason_and_is_audited(
    client: Client, citizen: User, examiner: User
) -> None:
    app = actions.start_application(citizen)
    for f, v in [
        ("brn", GOOD_BRN),
        ("product", "regular"),
        ("amount", "1000"),
        ("bank", "standin"),
        ("phone", "01012345678"),
    ]:
        app = actions.save_answer(citizen, app, f, v)
    pdf = b"%PDF-1.7\nthe VAT certificate"
    kinds = ["business_registration", "vat_tax_base", "national_tax_payment", "local_tax_payment"]
    docs = [actions.upload_document(citizen, app, kind, f"{kind}.pdf", pdf) for kind in kinds]
    app = actions.submit(citizen, app)
    assert app.state == "referred" and app.screening["refer_reasons"] == ["documents_uploaded"]
    client.force_login(examiner)
    url = f"/guarantee/queue/{app.reference}/documents/{docs[1].pk}/"
    assert client.get(url).content != pdf  # the reason form, not the file
    r = state_reason(client, url, "guarantee.examination", "checking the VAT certificate")
    assert r.status_code == 200 and r.content == pdf and r["Content-Type"] == "application/pdf"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(
        event="guarantee.file.viewed", actor=examiner, new__document="vat_tax_base"
    ).exists()


def test_rejection_reasons_are_shown_in_words(client: Client, citizen: User, docs_service: Any) -> None:
    docs_service.register(profile(national_arrears=True, credit_score=590))
    app = actions.start_application(citizen)
    for f, v in [
        ("brn", GOOD_BRN),
        ("product", "emergency_covid"),
        ("amount", "1000"),
        ("bank", "standin"),
        ("phone", "01012345678"),
    ]:
        app = actions.save_answer(citizen, app, f, v)
    actions.fetch_documents(citizen, app, consent=True)
    app = actions.submit(citizen, app)
    client.force_login(citizen)
    page = client.get(f"/guarantee/apply/{app.reference}/").content.decode()
    assert 'data-reason="tax_arrears"' in page and 'data-reason="credit_score_below_minimum"' in page
    assert "There are unpaid taxes." in page or "체납된 세금이 있습니다." in page


def test_sign_in_declined_or_not_yet_approved_says_so(client: Client, reference: None) -> None:
    auth = clients.standin("auth")
    auth.declined_phones.add("01077778888")
    try:
        client.post("/guarantee/sign-in/", {"provider": "toss", "name": "박거절", "phone": "010-7777-8888"})
        r = client.post("/guarantee/sign-in/wait/")
        assert r.status_code == 400 and "_auth_user_id" not in client.session
    finally:
        auth.declined_phones.clear()
    auth.approve_after = 60.0
    try:
        client.post("/guarantee/sign-in/", {"provider": "toss", "name": "최대기", "phone": "010-1212-3434"})
        r = client.post("/guarantee/sign-in/wait/")
        assert r.status_code == 400 and "_auth_user_id" not in client.session
    finally:
        auth.approve_after = 0.0
    r = client.post("/guarantee/sign-in/wait/")
    assert r.status_code == 302 and "_auth_user_id" in client.session


def test_save_and_resume_across_sign_ins(client: Client, reference: None) -> None:
    signed_in_by_simple_auth(client, name="정재개", phone="010-9090-8080")
    ref = client.post("/guarantee/apply/new/")["Location"].split("/")[3]
    client.post(f"/guarantee/apply/{ref}/q/brn/", {"value": "220-81-62517"})
    client.post(f"/guarantee/apply/{ref}/q/product/", {"value": "startup"})
    client.post("/accounts/logout/")
    later = Client()
    signed_in_by_simple_auth(later, name="정재개", phone="010-9090-8080")
    assert ref in later.get("/guarantee/apply/").content.decode()
    page = later.get(f"/guarantee/apply/{ref}/check/").content.decode()
    assert "220-81-62517" in page
    product_page = later.get(f"/guarantee/apply/{ref}/q/product/").content.decode()
    assert re.search(r'value="startup"[^>]*checked', product_page)
    assert not re.search(r'value="regular"[^>]*checked', product_page)


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("operator", 200), ("approver", 200), ("admin", 200)])
def test_file_page_role_by_role(
    client: Client, citizen: User, docs_service: Any, make_user: Callable[..., User], role: str, status: int
) -> None:
    app = _referred(citizen, docs_service)
    reader = ReasonClient("guarantee.examination", "role check")
    reader.force_login(make_user(institution="SEOULSHINBO", roles={"guarantee": role}))
    r = reader.get(f"/guarantee/queue/{app.reference}/")
    assert r.status_code == status


def test_staff_session_cannot_post_bank_webhooks(client: Client, make_user: Callable[..., User]) -> None:
    client.force_login(make_user(institution="SEOULSHINBO", roles={"guarantee": "admin"}))
    body = json.dumps({"event_id": "e", "type": "loan.executed", "certificate_number": "SGC-1"}).encode()
    assert client.post("/api/v1/guarantee/bank/webhook", body, content_type="application/json").status_code == 401


def test_examiners_find_files_by_business_number_through_the_blind_index(
    client: Client, citizen: User, docs_service: Any, examiner: User, make_user: Callable[..., User]
) -> None:
    app = _referred(citizen, docs_service)
    with connection.cursor() as cursor:  # what the database holds, not what the field decrypts
        cursor.execute("SELECT brn, phone FROM guarantee_application WHERE id = %s", [app.pk])
        brn_at_rest, phone_at_rest = cursor.fetchone()
    assert brn_at_rest and "2208162517" not in brn_at_rest and "01012345678" not in phone_at_rest
    client.force_login(examiner)
    r = client.get("/guarantee/queue/", {"brn": "220 81 62517"})
    assert (
        r.status_code == 200
        and f'href="/guarantee/queue/{app.reference}/"' in r.content.decode().split('id="found"')[1]
    )
    event = AuditEvent.objects.get(event="guarantee.file.searched")
    assert event.new == {"hits": [app.reference]} and "62517" not in json.dumps(event.new)
    assert client.get("/guarantee/queue/", {"brn": "220-81-62518"}).status_code == 400
    outsider = Client()
    outsider.force_login(make_user(institution="SBA", roles={"guarantee": "operator"}))
    page = outsider.get("/guarantee/queue/", {"brn": GOOD_BRN}).content.decode()
    assert app.reference not in page


def test_an_examiner_approves_a_lower_amount_on_the_page(
    client: Client, citizen: User, docs_service: Any, examiner: User
) -> None:
    app = _referred(citizen, docs_service)
    client.force_login(examiner)
    url = f"/guarantee/queue/{app.reference}/"
    state_reason(client, url, "guarantee.examination", "screening the file")
    r = client.post(url, {"decision": "approve", "comment": "Sales support less.", "amount": "5000"})
    assert r.status_code == 400 and "40,000,000" in r.content.decode()  # above the amount asked
    r = client.post(url, {"decision": "approve", "comment": "Sales support less.", "amount": "3000"})
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.approved_amount == 30_000_000
    page = client.get(url).content.decode()
    assert 'data-testid="approved-amount"' in page and "30,000,000" in page
    # Fetched documents read as words and won, not as the document service's keys.
    documents = page.split('id="documents-h"' if 'id="documents-h"' in page else "<h2>서류</h2>", 1)[-1]
    for key in ("prior_closure", "sales_by_year", "document_no", "manufacturing", "'"):
        assert key not in documents, key
    assert "사업자 상태" in documents and "제조업" in documents and "연도별 매출" in documents
    assert "2억 원" in documents and "아니요" in documents  # won as the krw filter writes it
