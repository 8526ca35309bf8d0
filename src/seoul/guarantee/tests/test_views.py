"""Pages and API through Django's test client: the journey, faults and access role by role."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from seoul.core.adapters import signing
from seoul.core.models import AuditEvent, User
from seoul.core.testing import ReasonClient, state_reason
from seoul.guarantee import actions
from seoul.guarantee.adapters import clients
from seoul.guarantee.models import Application, Loan
from seoul.guarantee.tests.builders import (
    GOOD_BRN,
    PERSON,
    STRANGER,
    confirmed,
    draft,
    identify,
    profile,
    referred,
    signed_webhook,
    wait_for,
)

pytestmark = pytest.mark.django_db
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def text_of(response: Any) -> str:
    """What a person reads on the page: the main content without tags, scripts or attributes."""
    page = response.content.decode()
    main = page.split('id="main"', 1)[-1]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def signed_in_by_simple_auth(client: Client, person: tuple[str, str] = PERSON) -> User:
    name, phone = person
    r = client.post("/guarantee/sign-in/", {"provider": "naver", "name": name, "phone": phone})
    assert r.status_code == 302 and r["Location"] == "/guarantee/sign-in/wait/", r.content.decode()[:2000]
    r = client.post("/guarantee/sign-in/wait/")
    assert r.status_code == 302 and r["Location"] == "/guarantee/apply/"
    return User.objects.get(pk=client.session["_auth_user_id"])


def new_application(client: Client) -> str:
    return str(client.post("/guarantee/apply/new/")["Location"].split("/")[3])


def post(client: Client, url: str, data: dict[str, Any] | None = None, status: int = 302) -> Any:
    r = client.post(url, data or {})
    assert r.status_code == status, (url, r.status_code, r.content.decode()[:3000])
    return r


def answer_all(client: Client, ref: str, amount: str = "1000", product: str = "emergency_covid") -> None:
    base = f"/guarantee/apply/{ref}"
    post(client, f"{base}/q/brn/", {"brn": "220-01-62515"})
    post(client, f"{base}/business/", {"consent": "on"})
    post(client, f"{base}/documents/", {"consent": "on"})
    for field, value in [("product", product), ("amount", amount), ("bank", "standin"), ("phone", "010-3333-4444")]:
        post(client, f"{base}/q/{field}/", {field: value})
    post(client, f"{base}/q/email/", {"email": ""})


def test_whole_journey_through_the_pages(
    client: Client,
    reference: None,
    docs_service: Any,
    bank: Any,
    gateway: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    docs_service.register(profile())
    user = signed_in_by_simple_auth(client)
    ref = new_application(client)
    base = f"/guarantee/apply/{ref}"
    r = post(client, f"{base}/q/brn/", {"brn": "220-01-62515"})
    assert r["Location"] == f"{base}/business/"  # the business is confirmed before anything else
    r = post(client, f"{base}/business/", {"consent": "on"})
    assert r["Location"] == f"{base}/documents/"
    r = post(client, f"{base}/documents/", {"consent": "on"})
    assert r["Location"] == f"{base}/q/product/"
    for field, value, following in [
        ("product", "emergency_covid", "amount"),
        ("amount", "1000", "bank"),
        ("bank", "standin", "phone"),
        ("phone", "010-3333-4444", "email"),
    ]:
        assert post(client, f"{base}/q/{field}/", {field: value})["Location"] == f"{base}/q/{following}/"
    assert post(client, f"{base}/q/email/", {"email": ""})["Location"] == f"{base}/check/"
    r = post(client, f"{base}/check/")
    assert r["Location"] == f"{base}/?submitted=1"
    page = client.get(r["Location"]).content.decode()
    assert ref in page and 'data-state="approved"' in page
    # double submit: the second click lands on the status page, nothing is screened twice
    assert post(client, f"{base}/check/")["Location"] == f"/guarantee/apply/{ref}/"
    assert AuditEvent.objects.filter(event="guarantee.transition", new__state="submitted").count() == 1
    assert post(client, f"{base}/agreement/", {"agree": "on"})["Location"] == f"{base}/#fee"
    page = client.get(f"{base}/").content.decode()
    assert 'data-testid="pay-fee"' in page and "50,000" in page  # the fee to pay, before any certificate
    checkout = client.get(f"{base}/pay/")["Location"]
    assert checkout.startswith(gateway.url + "/checkout/")  # off to the payment gateway's page
    back = urlsplit(gateway.complete(checkout.rsplit("/", 1)[-1], "pay"))
    assert back.path == f"{base}/pay/return/"
    with django_capture_on_commit_callbacks(execute=True):  # the certificate goes to the bank on commit
        assert client.get(f"{back.path}?{back.query}")["Location"] == f"{base}/"
    assert gateway.webhooks.drain()
    ((_url, body, headers),) = gateway.captured
    resp = client.post(  # the gateway's webhook after the browser came back: nothing more happens
        "/api/v1/guarantee/payments/webhook",
        body,
        content_type="application/json",
        HTTP_X_GATEWAY_SIGNATURE=headers["X-Gateway-Signature"],
    )
    assert resp.status_code == 200 and resp.json() == {"outcome": "already_paid"}
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
    assert 'data-state="loan_executed"' in client.get(f"{base}/").content.decode()


def test_a_stranger_who_enters_someone_elses_number_is_stopped_with_a_clear_message(
    client: Client, reference: None, docs_service: Any
) -> None:
    """Before: the documents page fetched the tax certificates and credit report of whatever
    number was entered. Now the business page refuses, says why, shows nothing of the business
    and fetches nothing else; the documents page cannot be reached."""
    docs_service.register(profile())
    stranger = signed_in_by_simple_auth(client, STRANGER)
    ref = new_application(client)
    post(client, f"/guarantee/apply/{ref}/q/brn/", {"brn": GOOD_BRN})
    r = post(client, f"/guarantee/apply/{ref}/business/", {"consent": "on"}, status=400)
    page = text_of(r)
    assert "대표자" in page and "error-summary" in r.content.decode()
    assert "한강공방" not in page and "김서울" not in page  # nothing of someone else's business
    assert docs_service.served == [(GOOD_BRN, ("business_registration",))]
    assert client.get(f"/guarantee/apply/{ref}/documents/")["Location"] == f"/guarantee/apply/{ref}/business/"
    assert AuditEvent.objects.filter(event="guarantee.business.not_representative", actor=stranger).count() == 1
    page = text_of(client.get(f"/guarantee/apply/{ref}/check/"))
    assert "사업자의 대표자임을 확인" in page and "동의하고 보내기" not in page


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


@pytest.mark.parametrize(
    "header",
    [
        "t=1700000000,v1=서명",  # not ASCII
        "t=1700000000,v1=" + "é" * 64,  # latin-1, 64 characters like a real MAC
        "t=1700000000,v1=" + "\udcff" * 64,  # bytes that were not valid UTF-8 (surrogate-escaped)
        "\x00\x01",
        "t=1,v1=" + "0" * 64 + "," * 5000,
    ],
)
def test_webhook_with_a_malformed_signature_is_a_401_not_a_500(client: Client, header: str) -> None:
    """Before: a non-ASCII signature header made the signature check raise: a 500."""
    client.raise_request_exception = False
    body = b'{"event_id": "e1", "type": "loan.executed", "certificate_number": "SGC-X"}'
    r = client.post(
        "/api/v1/guarantee/bank/webhook", body, content_type="application/json", HTTP_X_BANK_SIGNATURE=header
    )
    assert r.status_code == 401


def test_webhook_with_a_bad_payload_is_a_422(client: Client, reference: None) -> None:
    for event in (
        {"event_id": "e1", "type": "loan.executed", "certificate_number": "SGC-1", "amount": "lots"},
        {"event_id": "e1", "type": "loan.executed", "certificate_number": "SGC-1", "amount": -5},
        {"event_id": "e" * 65, "type": "loan.executed", "certificate_number": "SGC-1"},
        {"event_id": "e1\x00", "type": "loan.executed", "certificate_number": "SGC-1"},
        {"event_id": "e1", "type": "loan.executed", "certificate_number": "SGC-1", "executed_at": "0001-01-01T00:00Z"},
        {"type": "loan.executed", "certificate_number": "SGC-1"},
    ):
        body, signature = signed_webhook(event)
        r = client.post(
            "/api/v1/guarantee/bank/webhook", body, content_type="application/json", HTTP_X_BANK_SIGNATURE=signature
        )
        assert r.status_code == 422, (event, r.content)
    body = b'{"event_id": "e1", "type": "loan.executed", "certificate_number": "SGC-1", "amount": 1e999}'
    r = client.post(
        "/api/v1/guarantee/bank/webhook",
        body,
        content_type="application/json",
        HTTP_X_BANK_SIGNATURE=signing.sign(clients.bank_secret(), body),
    )
    assert r.status_code in (400, 422)


def test_the_openapi_document_states_the_webhooks_constraints_and_errors(client: Client) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    webhook = doc["paths"]["/api/v1/guarantee/bank/webhook"]["post"]
    assert {"200", "401", "422"} <= set(webhook["responses"])
    body = webhook["requestBody"]["content"]["application/json"]["schema"]
    schema = doc["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert schema["properties"]["event_id"]["maxLength"] == 64 and "pattern" in schema["properties"]["event_id"]
    assert schema["properties"]["amount"]["anyOf"][0]["maximum"] == 10**12
    products = doc["paths"]["/api/v1/guarantee/products"]["get"]["responses"]["200"]
    assert "ProductOut" in json.dumps(products)


def test_invalid_business_number_page_says_why(client: Client, reference: None) -> None:
    signed_in_by_simple_auth(client)
    ref = new_application(client)
    r = post(client, f"/guarantee/apply/{ref}/q/brn/", {"brn": "220-81-62518"}, status=400)
    assert "잘못 입력한 숫자" in r.content.decode()  # the page is Korean first
    assert 'href="#id_brn"' in r.content.decode()  # the error summary links to the field
    assert Application.objects.get(reference=ref).brn == ""


def test_disguised_upload_is_refused_on_the_page(client: Client, reference: None, docs_service: Any) -> None:
    docs_service.register(profile())
    signed_in_by_simple_auth(client)
    ref = new_application(client)
    post(client, f"/guarantee/apply/{ref}/q/brn/", {"brn": GOOD_BRN})
    post(client, f"/guarantee/apply/{ref}/business/", {"consent": "on"})
    fake = SimpleUploadedFile("vat.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf")
    r = client.post(f"/guarantee/apply/{ref}/documents/upload/", {"kind": "vat_tax_base", "file": fake})
    assert r.status_code == 400 and "PDF, JPEG, PNG 파일만" in r.content.decode()
    big = SimpleUploadedFile("vat.pdf", b"%PDF-" + b"0" * (1024 * 1024 + 10), content_type="application/pdf")
    r = client.post(f"/guarantee/apply/{ref}/documents/upload/", {"kind": "vat_tax_base", "file": big})
    assert r.status_code == 400 and "1MB보다 큽니다" in r.content.decode()
    assert not Application.objects.get(reference=ref).documents.filter(source="uploaded").exists()


def test_check_your_answers_lists_what_is_missing_by_name_with_links_and_no_send_button(
    client: Client, reference: None, docs_service: Any
) -> None:
    """Before: the page said "some answers or documents are missing", the refusal listed codes
    such as ``document:business_registration``, and "send" was offered anyway."""
    docs_service.register(profile())
    signed_in_by_simple_auth(client)
    ref = new_application(client)
    post(client, f"/guarantee/apply/{ref}/q/brn/", {"brn": GOOD_BRN})
    r = client.get(f"/guarantee/apply/{ref}/check/")
    html = r.content.decode()
    page = text_of(r)
    assert "document:" not in html and "business_registration" not in page
    todo = html.split('data-testid="todo"', 1)[1].split("</section>", 1)[0]
    links = dict(re.findall(r'<a href="([^"]+)">([^<]+)</a>', todo))
    assert links == {
        f"/guarantee/apply/{ref}/business/": "사업자의 대표자임을 확인해 주세요.",
        f"/guarantee/apply/{ref}/q/product/": "보증 상품: 선택하지 않았습니다.",
        f"/guarantee/apply/{ref}/q/amount/": "금액: 입력하지 않았습니다.",
        f"/guarantee/apply/{ref}/q/bank/": "은행: 선택하지 않았습니다.",
    }
    # once the business is confirmed, the documents still to come are named one by one
    post(client, f"/guarantee/apply/{ref}/business/", {"consent": "on"})
    todo = client.get(f"/guarantee/apply/{ref}/check/").content.decode().split('data-testid="todo"', 1)[1]
    named = re.findall(rf'<a href="/guarantee/apply/{ref}/documents/">([^<]+)</a>', todo.split("</section>", 1)[0])
    assert named == [
        "부가가치세 과세표준증명: 아직 없습니다.",
        "국세 납세증명서: 아직 없습니다.",
        "지방세 납세증명서: 아직 없습니다.",
    ]
    assert "동의하고 보내기" not in page and 'method="post"' not in html.split('id="main"', 1)[1]
    # the phone answer (taken from the sign-in) is written as people write it; "change" says what
    assert "010-3333-4444" in page
    assert re.search(r'변경<span class="visually-hidden"> 사업자등록번호</span>', html)


def test_eligibility_is_told_as_soon_as_the_documents_show_it(
    client: Client, reference: None, docs_service: Any
) -> None:
    docs_service.register(profile(national_arrears=True))
    signed_in_by_simple_auth(client)
    ref = new_application(client)
    post(client, f"/guarantee/apply/{ref}/q/brn/", {"brn": GOOD_BRN})
    post(client, f"/guarantee/apply/{ref}/business/", {"consent": "on"})
    post(client, f"/guarantee/apply/{ref}/documents/", {"consent": "on"})
    page = text_of(client.get(f"/guarantee/apply/{ref}/documents/"))
    assert "승인될 수 없습니다" in page and "체납된 세금이 있습니다." in page
    # the product page offers only what the business's age allows, and says why not the rest
    product = client.get(f"/guarantee/apply/{ref}/q/product/").content.decode()
    assert 'value="startup"' not in product and 'data-product="startup"' in product
    assert "이 보증을 받기에는 업력이 깁니다." in text_of(client.get(f"/guarantee/apply/{ref}/q/product/"))


def test_the_start_page_states_who_can_apply(client: Client) -> None:
    page = text_of(client.get("/guarantee/"))
    for words in ("대표자", "서울", "595", "체납", "사행시설 관리 운영업", "1억 원"):
        assert words in page, words


def test_applicants_see_only_their_own_files(client: Client, reference: None, docs_service: Any) -> None:
    docs_service.register(profile())
    signed_in_by_simple_auth(client)
    ref = new_application(client)
    post(client, f"/guarantee/apply/{ref}/q/brn/", {"brn": GOOD_BRN})
    other = Client()
    signed_in_by_simple_auth(other, STRANGER)
    base = f"/guarantee/apply/{ref}"
    for url in (
        f"{base}/",
        f"{base}/q/brn/",
        f"{base}/business/",
        f"{base}/documents/",
        f"{base}/check/",
        f"{base}/agreement/",
    ):
        assert other.get(url).status_code == 404, url
    for url in (
        f"{base}/withdraw/",
        f"{base}/resend/",
        f"{base}/business/",
        f"{base}/documents/upload/",
        f"{base}/check/",
    ):
        assert other.post(url).status_code == 404, url
    assert other.get("/guarantee/queue/").status_code == 403
    assert docs_service.served == []


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


def test_examiners_see_only_their_institutions_queue_and_files_with_a_reason(
    client: Client, citizen: User, docs_service: Any, examiner: User, make_user: Callable[..., User]
) -> None:
    app = referred(citizen, docs_service)
    client.force_login(examiner)
    assert app.reference in client.get("/guarantee/queue/").content.decode()
    url = f"/guarantee/queue/{app.reference}/"
    r = client.get(url)
    assert "220-01-62515" not in r.content.decode()  # no personal data before a reason
    r = state_reason(client, url, "guarantee.examination", "screening the file")
    assert r.status_code == 200 and "220-01-62515" in r.content.decode()
    assert "010-1234-5678" in r.content.decode()  # the phone as people write it
    seen = AuditEvent.objects.filter(event="guarantee.file.viewed", actor=examiner).get()
    assert seen.reason == "guarantee.examination: screening the file"
    outsider = make_user(institution="SBA", roles={"guarantee": "approver"})
    other = ReasonClient("guarantee.examination", "curious")
    other.force_login(outsider)
    assert app.reference not in other.get("/guarantee/queue/").content.decode()
    assert other.get(url).status_code == 404
    assert (
        other.post(url, {"decision": "approve", "comment": "approving a file of another institution"}).status_code
        == 404
    )
    app.refresh_from_db()
    assert app.state == "referred"


def test_the_queue_filters_and_sorts(client: Client, citizen: User, docs_service: Any, examiner: User) -> None:
    big = referred(citizen, docs_service)
    small = referred(
        identify(None, STRANGER), docs_service, number="1248100998", business={"person": STRANGER}, amount_manwon="2500"
    )
    actions.review(small, "request_more", "Please send last year's VAT return.", actor=examiner)
    client.force_login(examiner)

    def refs(**params: str) -> list[str]:
        page = client.get("/guarantee/queue/", params).content.decode()
        table = page.split('id="queue"', 1)[1].split("</table>", 1)[0]
        return re.findall(r'data-reference="([^"]+)"', table)

    assert refs() == [big.reference]  # referred files by default
    assert refs(state="more_info_requested") == [small.reference]
    assert refs(state="", sort="amount") == [small.reference, big.reference]
    assert refs(state="", sort="-amount") == [big.reference, small.reference]
    assert refs(state="", product="emergency_covid") == []
    assert refs(state="", overdue="1") == []
    Application.objects.filter(pk=big.pk).update(
        referred_at=big.referred_at - __import__("datetime").timedelta(hours=60)
    )
    assert refs(overdue="1") == [big.reference]
    assert refs(state="nonsense", sort="nonsense") == [big.reference]  # unknown filters fall back
    partial = client.get("/guarantee/queue/", {"state": ""}, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="queue-region">')


def test_decision_without_comment_is_refused_and_the_reason_reaches_the_applicant(
    client: Client, citizen: User, docs_service: Any, examiner: User
) -> None:
    app = referred(citizen, docs_service)
    client.force_login(examiner)
    url = f"/guarantee/queue/{app.reference}/"
    state_reason(client, url, "guarantee.examination", "screening the file")
    r = client.post(url, {"decision": "reject", "comment": ""})
    assert r.status_code == 400 and 'href="#id_comment"' in r.content.decode()
    app.refresh_from_db()
    assert app.state == "referred"
    r = client.post(url, {"decision": "reject", "comment": "Sales fell 60%: not sustainable now."})
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.state == "rejected" and app.reviews.get().comment.startswith("Sales fell")
    applicant = Client()
    applicant.force_login(citizen)
    page = applicant.get(f"/guarantee/apply/{app.reference}/").content.decode()
    decision = page.split('data-testid="decision"', 1)[1].split("</section>", 1)[0]
    assert "승인되지 않은 이유" in decision and "Sales fell 60%: not sustainable now." in decision


def test_a_request_for_more_tells_the_applicant_what_to_send(
    client: Client, citizen: User, docs_service: Any, examiner: User
) -> None:
    app = referred(citizen, docs_service)
    actions.review(app, "request_more", "Upload the VAT return of last year, please.", actor=examiner)
    client.force_login(citizen)
    status = client.get(f"/guarantee/apply/{app.reference}/").content.decode()
    assert "Upload the VAT return of last year, please." in status.split('data-testid="decision"', 1)[1]
    check = client.get(f"/guarantee/apply/{app.reference}/check/").content.decode()
    assert "Upload the VAT return of last year, please." in check.split('data-testid="request-for-more"', 1)[1]


def test_uploaded_document_download_needs_a_reason_and_stays_in_its_file(
    client: Client, citizen: User, docs_service: Any, examiner: User
) -> None:
    docs_service.register(profile())
    app = confirmed(citizen)
    pdf = b"%PDF-1.7\nthe VAT certificate"
    kinds = ["vat_tax_base", "national_tax_payment", "local_tax_payment"]
    docs = [actions.upload_document(app, kind, f"{kind}.pdf", pdf, actor=citizen) for kind in kinds]
    for field, value in [("product", "regular"), ("amount", "1000"), ("bank", "standin"), ("phone", "01012345678")]:
        app = actions.save_answer(app, field, value, actor=citizen)
    app = actions.submit(app, actor=citizen)
    assert app.state == "referred" and "documents_uploaded" in app.screening["refer_reasons"]
    client.force_login(examiner)
    url = f"/guarantee/queue/{app.reference}/documents/{docs[0].pk}/"
    assert client.get(url).content != pdf  # the reason form, not the file
    r = state_reason(client, url, "guarantee.examination", "checking the VAT certificate")
    assert r.status_code == 200 and r.content == pdf and r["Content-Type"] == "application/pdf"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(
        event="guarantee.file.viewed", actor=examiner, new__document="vat_tax_base"
    ).exists()
    # a document of this file through another file's address is not found
    other = referred(identify(None, STRANGER), docs_service, number="1248100998", business={"person": STRANGER})
    assert client.get(f"/guarantee/queue/{other.reference}/documents/{docs[0].pk}/").status_code == 404


def test_sign_in_declined_or_not_yet_approved_says_so(client: Client, reference: None) -> None:
    auth = clients.standin("auth")
    auth.declined_phones.add("01077778888")
    try:
        client.post("/guarantee/sign-in/", {"provider": "toss", "name": "박거절", "phone": "010-7777-8888"})
        r = client.post("/guarantee/sign-in/wait/")
        assert r.status_code == 400 and "_auth_user_id" not in client.session
        assert "거절" in text_of(r)
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


def test_sign_in_refuses_bad_input_on_the_fields(client: Client, reference: None) -> None:
    r = client.post("/guarantee/sign-in/", {"provider": "kakao", "name": "김\x00서울", "phone": "02-123-4567"})
    assert r.status_code == 400 and "guarantee_auth" not in client.session
    html = r.content.decode()
    assert 'href="#id_name"' in html and 'href="#id_phone"' in html and "(invalid_request)" not in html


def test_save_and_resume_across_sign_ins(client: Client, reference: None) -> None:
    signed_in_by_simple_auth(client, ("정재개", "010-9090-8080"))
    ref = new_application(client)
    post(client, f"/guarantee/apply/{ref}/q/brn/", {"brn": "220-01-62515"})
    client.post("/accounts/logout/")
    later = Client()
    signed_in_by_simple_auth(later, ("정재개", "010-9090-8080"))
    assert ref in later.get("/guarantee/apply/").content.decode()
    page = later.get(f"/guarantee/apply/{ref}/check/").content.decode()
    assert "220-01-62515" in page
    assert 'value="220-01-62515"' in later.get(f"/guarantee/apply/{ref}/q/brn/").content.decode()


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("operator", 200), ("approver", 200), ("admin", 200)])
def test_file_page_role_by_role(
    client: Client, citizen: User, docs_service: Any, make_user: Callable[..., User], role: str, status: int
) -> None:
    app = referred(citizen, docs_service)
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
    app = referred(citizen, docs_service)
    with connection.cursor() as cursor:  # what the database holds, not what the field decrypts
        cursor.execute("SELECT brn, phone FROM guarantee_application WHERE id = %s", [app.pk])
        brn_at_rest, phone_at_rest = cursor.fetchone()
    assert brn_at_rest and "2200162515" not in brn_at_rest and "01012345678" not in phone_at_rest
    client.force_login(examiner)
    r = client.get("/guarantee/queue/", {"brn": "220 01 62515"})
    assert (
        r.status_code == 200
        and f'href="/guarantee/queue/{app.reference}/"' in r.content.decode().split('id="found"')[1]
    )
    event = AuditEvent.objects.get(event="guarantee.file.searched")
    assert event.new == {"hits": [app.reference]} and "62515" not in json.dumps(event.new)
    assert client.get("/guarantee/queue/", {"brn": "220-81-62518"}).status_code == 400
    outsider = Client()
    outsider.force_login(make_user(institution="SBA", roles={"guarantee": "operator"}))
    page = outsider.get("/guarantee/queue/", {"brn": GOOD_BRN}).content.decode()
    assert app.reference not in page


def test_an_examiner_approves_a_lower_amount_on_the_page(
    client: Client, citizen: User, docs_service: Any, examiner: User
) -> None:
    app = referred(citizen, docs_service)
    client.force_login(examiner)
    url = f"/guarantee/queue/{app.reference}/"
    state_reason(client, url, "guarantee.examination", "screening the file")
    r = client.post(url, {"decision": "approve", "comment": "Sales support less.", "amount": "5000"})
    assert r.status_code == 400 and "40,000,000" in r.content.decode()  # above the amount asked
    assert 'href="#id_amount"' in r.content.decode()
    r = client.post(url, {"decision": "approve", "comment": "Sales support less.", "amount": "3000"})
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.approved_amount == 30_000_000
    page = client.get(url).content.decode()
    assert 'data-testid="approved-amount"' in page and "30,000,000" in page
    # Fetched documents read as words and won, not as the document service's keys.
    documents = page.split('id="documents-h"', 1)[-1]
    for key in ("prior_closure", "sales_by_year", "document_no", "manufacturing", "'"):
        assert key not in documents, key
    assert "사업자 상태" in documents and "제조업" in documents and "연도별 매출" in documents
    assert "2억 원" in documents and "아니요" in documents  # won as the krw filter writes it


# --- one language per page, plain words ------------------------------------------------------

DATA = ("한강공방", "김서울", "서울특별시 중구 세종대로 110", "이한강")  # names and addresses are the documents' own


def english(client: Client) -> None:
    client.cookies["django_language"] = "en"


def test_english_pages_show_no_korean_and_korean_pages_no_codes(
    client: Client, citizen: User, docs_service: Any, examiner: User
) -> None:
    app = referred(citizen, docs_service)
    client.force_login(citizen)
    docs_service.register(profile("1248100998"))
    pending = draft(citizen, number="1248100998", fetch=False)
    urls = [
        "/guarantee/",
        "/guarantee/apply/",
        f"/guarantee/apply/{app.reference}/",
        f"/guarantee/apply/{pending.reference}/check/",
        f"/guarantee/apply/{pending.reference}/business/",
        f"/guarantee/apply/{pending.reference}/documents/",
        f"/guarantee/apply/{pending.reference}/q/product/",
        f"/guarantee/apply/{pending.reference}/q/amount/",
        f"/guarantee/apply/{pending.reference}/q/bank/",
    ]
    for url in urls:
        korean = text_of(client.get(url))
        for code in ("standin", "대역", "document:", "emergency_covid", "vat_tax_base", "None"):
            assert code not in korean, (url, code)
    english(client)
    for url in urls:
        page = text_of(client.get(url))
        for data in DATA:
            page = page.replace(data, "")
        assert not HANGUL.search(page), (url, HANGUL.findall(page)[:20], page[:3000])
        assert "만 원" not in page
    staff = ReasonClient("guarantee.examination", "language check")
    staff.force_login(examiner)
    english(staff)
    for url in ("/guarantee/queue/", f"/guarantee/queue/{app.reference}/"):
        page = text_of(staff.get(url))
        for data in DATA:
            page = page.replace(data, "")
        assert not HANGUL.search(page), (url, HANGUL.findall(page)[:20])


def test_the_agreement_in_english_is_translated_with_the_korean_binding_text_marked(
    client: Client, citizen: User, docs_service: Any
) -> None:
    from seoul.guarantee.tests.builders import submitted

    app = submitted(citizen, docs_service)
    client.force_login(citizen)
    english(client)
    html = client.get(f"/guarantee/apply/{app.reference}/agreement/").content.decode()
    assert "Credit guarantee agreement" in html and "binding" in html
    assert re.search(r'<p class="small" lang="ko" data-testid="terms">신용보증약정', html)
