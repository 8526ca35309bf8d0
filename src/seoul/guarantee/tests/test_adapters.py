"""The stand-ins' protocol, without the database (the client and signatures: core/tests)."""

from __future__ import annotations

import time

import pytest

from seoul.core.adapters.http import AdapterError, call
from seoul.guarantee.adapters import standins


def test_an_auth_request_started_on_one_instance_is_answered_by_another() -> None:
    a, b = standins.AuthStandIn(), standins.AuthStandIn()
    try:
        _status, started = call(
            "POST", a.url + "/v1/auth/requests", {"provider": "pass", "name": "김서울", "phone": "010-1111-2222"}
        )
        _status, answer = call("GET", b.url + f"/v1/auth/requests/{started['tx_id']}")
        assert answer["status"] == "completed" and answer["phone"] == "01011112222"
        # the same person as the document stand-in would name them: name and mobile give the CI
        assert answer["ci"] == standins.person_ci("김서울", "010-1111-2222") and len(answer["ci"]) == 88
        forged = started["tx_id"][:-1] + ("0" if started["tx_id"][-1] != "0" else "1")
        with pytest.raises(AdapterError) as exc:
            call("GET", b.url + f"/v1/auth/requests/{forged}")
        assert exc.value.status == 404
    finally:
        a.stop()
        b.stop()


def test_client_maps_slow_busy_and_refused_answers() -> None:
    docs = standins.DocumentStandIn()
    try:
        with pytest.raises(AdapterError) as exc:
            call("POST", docs.url + "/v1/documents", {}, headers={"Authorization": "Bearer nope"})
        assert exc.value.code == "invalid_consent" and exc.value.status == 401
        number = "2208162517"
        docs.register(standins.synthetic_profile(number, __import__("datetime").date.today()))
        docs.profiles[number].delay = 0.5
        scope = " ".join(standins.DocumentStandIn.KINDS)
        _s, consent = call("POST", docs.url + "/v1/consents", {"brn": number, "subject": "s", "scope": scope})
        token = {"Authorization": f"Bearer {consent['consent_token']}"}
        start = time.monotonic()
        with pytest.raises(AdapterError) as exc:
            call("POST", docs.url + "/v1/documents", {}, headers=token, timeout=0.1)
        assert exc.value.code == "timeout" and time.monotonic() - start < 0.5
        docs.profiles[number].delay, docs.profiles[number].fail_times = 0.0, 1
        with pytest.raises(AdapterError) as exc:
            call("POST", docs.url + "/v1/documents", {}, headers=token)
        assert exc.value.code == "unavailable" and exc.value.status == 503
        _s, answer = call("POST", docs.url + "/v1/documents", {}, headers=token)
        assert {d["kind"] for d in answer["documents"]} == set(standins.DocumentStandIn.KINDS)
        # a consent covers the kinds it names and no other
        _s, narrow = call("POST", docs.url + "/v1/consents", {"brn": number, "subject": "s", "scope": "credit_report"})
        _s, answer = call(
            "POST", docs.url + "/v1/documents", {}, headers={"Authorization": f"Bearer {narrow['consent_token']}"}
        )
        assert [d["kind"] for d in answer["documents"]] == ["credit_report"]
        with pytest.raises(AdapterError) as exc:
            call("POST", docs.url + "/v1/consents", {"brn": number, "subject": "s", "scope": "bank_statements"})
        assert exc.value.status == 400
    finally:
        docs.stop()
    with pytest.raises(AdapterError) as exc:
        call("GET", docs.url + "/v1/anything", timeout=0.5)  # the server is gone
    assert exc.value.code in ("unavailable", "timeout")


def test_bank_refuses_a_certificate_without_idempotency_key_and_answers_retries_the_same() -> None:
    bank = standins.BankStandIn("k")
    bank.deliver = lambda url, body, headers: None
    try:
        with pytest.raises(AdapterError) as exc:
            call("POST", bank.url + "/v1/guarantee-certificates", {"certificate_number": "C1"})
        assert exc.value.code == "idempotency_key_required"
        first = call(
            "POST",
            bank.url + "/v1/guarantee-certificates",
            {"certificate_number": "C1"},
            headers={"Idempotency-Key": "cert-1"},
        )
        again = call(
            "POST",
            bank.url + "/v1/guarantee-certificates",
            {"certificate_number": "C1"},
            headers={"Idempotency-Key": "cert-1"},
        )
        assert first == again
        time.sleep(0.3)
        assert [e["type"] for e in bank.sent] == ["certificate.accepted", "loan.executed"]  # processed once
    finally:
        bank.stop()
