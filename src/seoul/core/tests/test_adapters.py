"""The shared adapter pieces: the JSON client, webhook signatures, the stand-in base with its
fault knobs and control endpoint, webhook delivery, and the SMS settings' older names."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import override_settings

from seoul.core.adapters import signing, sms
from seoul.core.adapters.http import AdapterError, call, with_retries
from seoul.core.adapters.standin import Request, StandIn, Webhooks, json_answer


def test_signatures_verify_only_with_the_secret_the_body_and_in_time() -> None:
    body = b'{"event_id": "e1"}'
    header = signing.sign("s3cret", body, now=1_000_000)
    assert signing.verify("s3cret", body, header, now=1_000_010)
    assert not signing.verify("other", body, header, now=1_000_010)
    assert not signing.verify("s3cret", body + b" ", header, now=1_000_010)
    assert not signing.verify("s3cret", body, header, now=1_000_000 + signing.TOLERANCE + 1)
    assert not signing.verify("s3cret", body, "garbage", now=1_000_000)


@pytest.mark.parametrize(
    "header",
    [
        "t=1000000,v1=" + "é" * 64,  # non-ASCII where the MAC goes: compare_digest on str raised TypeError
        "t=1000000,v1=서명",
        "t=１０００００,v1=" + "0" * 64,  # full-width digits int() would accept
        "t=1000000,v1=" + "\udcff" * 64,  # bytes that were not UTF-8, decoded with surrogateescape
        "t=1000000,v1=" + "0" * 63,
        "t=1000000,v1=" + "0" * 64 + ",v1=" + "0" * 64,
        "t=1000000, v1=" + "0" * 64,
        "t=-1,v1=" + "0" * 64,
        "t=" + "9" * 400 + ",v1=" + "0" * 64,
        "t=1000000,v1=" + "0" * 64 + "\n",
        "",
        b"t=1000000,v1=\xff\xfe",
    ],
)
def test_any_malformed_signature_is_simply_not_valid(header: str | bytes) -> None:
    """Before: a non-ASCII signature made ``hmac.compare_digest`` raise (a 500 at the webhook)."""
    assert signing.verify("s3cret", b"{}", header, now=1_000_000) is False


def test_a_valid_signature_verifies_as_bytes_too() -> None:
    header = signing.sign("s3cret", b"{}", now=1_000_000)
    assert signing.verify("s3cret", b"{}", header.encode("ascii"), now=1_000_000)


class Counter(StandIn):
    """Counts the requests it handled: the work a late answer still did."""

    FAULTY = ("/v1/",)

    def __init__(self, **kwargs: Any) -> None:
        self.handled = 0
        super().__init__(**kwargs)

    def respond(self, request: Request) -> Any:
        if request.path == "/v1/count":
            with self.lock:
                self.handled += 1
                return json_answer(200, {"n": self.handled, "query": request.query})
        return json_answer(404, {"error": "not_found", "message": request.path})


@pytest.fixture
def counter() -> Any:
    service = Counter()
    yield service
    service.stop()


def test_a_late_answer_did_the_work_and_a_repeat_learns_of_it(counter: Counter) -> None:
    counter.late_next, counter.late_by = 1, 0.6
    start = time.monotonic()
    with pytest.raises(AdapterError) as exc:
        call("GET", counter.url + "/v1/count", timeout=0.2)
    assert exc.value.code == "timeout" and time.monotonic() - start < 0.5
    assert counter.handled == 1  # done, though the caller never heard
    _status, answer = call("GET", counter.url + "/v1/count?x=1", timeout=2)
    assert answer == {"n": 2, "query": {"x": "1"}}


def test_failures_are_not_handled_and_retries_get_through(counter: Counter) -> None:
    counter.fail_next = 2
    with pytest.raises(AdapterError) as exc:
        call("GET", counter.url + "/v1/count")
    assert exc.value.code == "unavailable" and exc.value.status == 503 and counter.handled == 0
    waits: list[float] = []
    _s, answer = with_retries(lambda: call("GET", counter.url + "/v1/count"), attempts=3, sleep=waits.append)
    assert answer["n"] == 1 and waits == [0.2]  # one more 503, then the answer
    counter.fail_next = 5
    with pytest.raises(AdapterError):
        with_retries(lambda: call("GET", counter.url + "/v1/count"), attempts=2, sleep=waits.append)
    assert counter.handled == 1


def test_a_refusal_is_not_tried_again(counter: Counter) -> None:
    tries: list[int] = []

    def attempt() -> Any:
        tries.append(1)
        return call("GET", counter.url + "/v1/unknown")

    with pytest.raises(AdapterError) as exc:
        with_retries(attempt, attempts=3, sleep=lambda s: None)
    assert exc.value.code == "not_found" and len(tries) == 1


def test_the_control_endpoint_sets_known_knobs_only(counter: Counter) -> None:
    _s, answer = call("POST", counter.url + "/_control", {"fail_next": "1", "delay": 0})
    assert answer["knobs"]["fail_next"] == 1 and counter.fail_next == 1
    with pytest.raises(AdapterError) as exc:
        call("POST", counter.url + "/_control", {"fail_next": 3, "no_such_knob": 1})
    assert exc.value.code == "invalid_knobs" and counter.fail_next == 1  # nothing half-set
    with pytest.raises(AdapterError) as exc:
        call("POST", counter.url + "/_control", {"delay": "slow"})
    assert exc.value.code == "invalid_knobs"
    _s, read = call("GET", counter.url + "/_control")
    assert read["standin"] == "Counter" and read["knobs"]["fail_next"] == 1
    call("POST", counter.url + "/_control/reset", {})
    assert counter.fail_next == 0
    # the control endpoint is never subject to the faults it sets
    counter.fail_next = 3
    assert call("GET", counter.url + "/_control")[0] == 200 and counter.fail_next == 3


def test_the_control_endpoint_refuses_a_client_that_is_not_loopback(counter: Counter) -> None:
    answer, _late = counter.dispatch(Request("POST", "/_control", {}, b'{"fail_next": 9}', "192.0.2.7"))
    assert answer.status == 403 and counter.fail_next == 0


def test_a_standin_listens_on_loopback_only() -> None:
    with pytest.raises(ValueError, match="loopback"):
        Counter(host="0.0.0.0", start=False)  # noqa: S104 - the point of the test
    service = Counter(start=False)
    assert service.url.startswith("http://127.0.0.1:")
    service.stop()


class _Receiver:
    """A callback endpoint that records what arrives and answers 200."""

    def __init__(self) -> None:
        got: list[tuple[bytes, str]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                got.append((raw, self.headers.get("X-Test-Signature", "")))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.got = got
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_webhooks_are_signed_repeated_late_and_reordered_on_request() -> None:
    receiver = _Receiver()
    hooks = Webhooks("s3cret", "X-Test-Signature", url=receiver.url)
    try:
        hooks.emit({"event_id": "e1", "type": "a"})
        assert hooks.drain()
        raw, header = receiver.got[-1]
        assert json.loads(raw)["event_id"] == "e1" and signing.verify("s3cret", raw, header)
        assert hooks.deliveries == [{"event_id": "e1", "type": "a", "status": 200}]
        hooks.repeat = 2
        hooks.emit({"event_id": "e2", "type": "b"})
        assert hooks.drain()
        assert [json.loads(r)["event_id"] for r, _ in receiver.got] == ["e1", "e2", "e2"]
        hooks.repeat, hooks.hold = 1, True
        for n in (3, 4, 5):
            hooks.emit({"event_id": f"e{n}", "type": "c"})
        assert hooks.drain() and len(receiver.got) == 3  # held back
        assert hooks.flush("reverse") == 3 and hooks.drain()
        assert [json.loads(r)["event_id"] for r, _ in receiver.got[3:]] == ["e5", "e4", "e3"]
        hooks.hold, hooks.delay = False, 0.3
        hooks.emit({"event_id": "e6", "type": "d"})
        time.sleep(0.1)
        assert len(receiver.got) == 6  # not yet: late
        assert hooks.drain() and json.loads(receiver.got[-1][0])["event_id"] == "e6"
        assert [e["event_id"] for e in hooks.events] == ["e1", "e2", "e3", "e4", "e5", "e6"]  # each once
    finally:
        receiver.close()


def test_sms_settings_answer_to_their_older_names(tmp_path: Any) -> None:
    old, new = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    with override_settings(SEOUL_TRACING_SMS_OUTBOX=old, SEOUL_SMS_OUTBOX=None):
        assert sms.outbox_path() == old
        sms.sender().send("010-1234-5678", "hello")
    assert json.loads(old.read_text())["to"] == "010-1234-5678"
    with override_settings(SEOUL_TRACING_SMS_OUTBOX=old, SEOUL_SMS_OUTBOX=new):
        assert sms.outbox_path() == new  # the new name wins
    with override_settings(SEOUL_TRACING_SMS_SENDER="seoul.tracing.sms.HttpGateway", SEOUL_SMS_SENDER=None):
        assert isinstance(sms.sender(), sms.HttpGateway)  # the old dotted path still works


def test_the_sms_standin_writes_the_outbox_and_can_be_busy(tmp_path: Any) -> None:
    standin = sms.SmsStandIn()
    try:
        with override_settings(SEOUL_SMS_OUTBOX=tmp_path / "o.jsonl"):
            gateway = sms.HttpGateway(standin.url + "/messages", timeout=2)
            message_id = gateway.send("010-1111-2222", "코드 123456")
            assert sms.read_outbox() == [
                {"id": message_id, "at": sms.read_outbox()[0]["at"], "to": "010-1111-2222", "text": "코드 123456"}
            ]
            standin.fail_next = 1  # one busy answer: the gateway's one retry gets through
            gateway.send("010-1111-2222", "again")
            standin.fail_next = 2
            with pytest.raises(sms.SmsError):
                gateway.send("010-1111-2222", "lost")
            assert [m["text"] for m in sms.read_outbox()] == ["코드 123456", "again"]
    finally:
        standin.stop()
