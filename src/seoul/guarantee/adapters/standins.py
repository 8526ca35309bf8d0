"""Local stand-ins for the outside services, speaking HTTP on 127.0.0.1.

* :class:`AuthStandIn` — a simple-authentication (간편인증) provider: a sign-in request is
  pushed to the person's phone app and completes when they approve (here after
  ``approve_after`` seconds); the answer carries the person's verified name, an opaque
  subject identifier and a connecting identifier (``ci``, like the 연계정보 every Korean
  provider gives for the same person), never a resident registration number.
* :class:`DocumentStandIn` — the public-data document service: a consent token (10 minutes)
  for a business and a scope of document kinds must be obtained first; documents of that
  scope come back as JSON. The business registration certificate names the representative
  (name and connecting identifier), so a service can check who may apply for the business.
  Profiles can be slow, fail a number of times, come back stale, disagree with each other,
  or fail with an expired certificate.

The two know the same people: :func:`person_ci` gives the connecting identifier of a name and
mobile number, as the auth stand-in reports it when that person signs in and as the document
stand-in names a business's representative.
* :class:`BankStandIn` — a partner bank: receives an electronic guarantee certificate with an
  ``Idempotency-Key`` and answers later by HMAC-signed webhooks to the ``callback_url``
  (``certificate.accepted`` then ``loan.executed``, or ``certificate.rejected``). In
  ``timeout`` mode it answers the request too late and then sends every webhook twice.

Each is a :class:`seoul.core.adapters.standin.StandIn`: a ``ThreadingHTTPServer`` on an
ephemeral loopback port in a daemon thread, with the common fault knobs. The service talks to
them through ``clients.py`` like it would talk to the real endpoints.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import secrets
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from seoul.core.adapters import signing
from seoul.core.adapters.standin import StandIn
from seoul.guarantee.engine import brn as brn_rules

CI_SALT = b"standin-connecting-information"


def person_ci(name: str, phone: str) -> str:
    """The connecting identifier (CI) of the stand-ins' person with this name and mobile
    number: 88 characters of base64, like a real CI, and meaningless outside the stand-ins."""
    digits = "".join(c for c in phone if c.isdigit())
    key = f"{' '.join(name.split())}|{digits}".encode()
    return base64.b64encode(hmac.new(CI_SALT, key, hashlib.sha512).digest()).decode()


# --- simple authentication ---------------------------------------------------------------


class AuthStandIn(StandIn):
    """Requests are carried in a signed ``tx_id`` rather than kept in memory, so that any
    instance (one per server worker process) can answer for a request another one started."""

    PROVIDERS = ("kakao", "naver", "pass", "toss")

    def __init__(self, secret: str = "standin-auth") -> None:  # noqa: S107 - a stand-in salt, not a password
        super().__init__()
        self.secret = secret
        self.approve_after = 0.0
        self.declined_phones: set[str] = set()

    def _tx(self, request: dict[str, Any]) -> str:
        raw = base64.urlsafe_b64encode(json.dumps(request, ensure_ascii=False).encode()).decode().rstrip("=")
        mac = hmac.new(self.secret.encode(), raw.encode(), hashlib.sha256).hexdigest()[:32]
        return f"{raw}.{mac}"

    def _request(self, tx: str) -> dict[str, Any] | None:
        raw, _, mac = tx.partition(".")
        expected = hmac.new(self.secret.encode(), raw.encode(), hashlib.sha256).hexdigest()[:32]
        if not hmac.compare_digest(mac, expected):
            return None
        data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        return data

    def handle(self, method: str, path: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        if method == "POST" and path == "/v1/auth/requests":
            name, phone, provider = str(body.get("name", "")).strip(), str(body.get("phone", "")), body.get("provider")
            digits = "".join(c for c in phone if c.isdigit())
            if provider not in self.PROVIDERS:
                return 400, {"error": "unknown_provider", "message": "unknown provider"}
            if not name or len(name) > 50 or not (digits.startswith("01") and len(digits) in (10, 11)):
                return 400, {"error": "invalid_request", "message": "name and mobile number required"}
            tx = self._tx(
                {"name": name, "phone": digits, "provider": provider, "at": time.time(), "nonce": secrets.token_hex(4)}
            )
            return 201, {"tx_id": tx, "status": "pending"}
        if method == "GET" and path.startswith("/v1/auth/requests/"):
            tx = path.rsplit("/", 1)[-1]
            req = self._request(tx)
            if req is None or time.time() - float(req["at"]) > 300:
                return 404, {"error": "unknown_request", "message": "no such request, or expired"}
            if req["phone"] in self.declined_phones:
                return 200, {"status": "declined"}
            if time.time() - float(req["at"]) < self.approve_after:
                return 200, {"status": "pending"}
            subject = hashlib.sha256(f"{self.secret}:{req['name']}:{req['phone']}".encode()).hexdigest()
            return 200, {
                "status": "completed",
                "subject": subject,
                "ci": person_ci(req["name"], req["phone"]),
                "name": req["name"],
                "phone": req["phone"],
                "provider": req["provider"],
            }
        return 404, {"error": "not_found", "message": path}


# --- public-data documents -----------------------------------------------------------------


@dataclass
class Profile:
    """What the public registers say about one business, and how the stand-in misbehaves."""

    brn: str
    business_name: str
    representative: str
    opened_on: date
    representative_phone: str = ""  # with the name, who the representative is (person_ci)
    address: str = "서울특별시 중구 세종대로 110"
    industry: str = "restaurant"
    status: str = "active"
    sales_by_year: dict[str, int] = field(default_factory=dict)
    national_arrears: bool = False
    local_arrears: bool = False
    credit_score: int = 820
    guarantee_balance: int = 0
    prior_closure: bool = False
    # faults
    delay: float = 0.0
    fail_times: int = 0
    stale_days: int = 0
    vat_name: str | None = None  # a VAT certificate under another business name
    certificate_expired: bool = False

    @property
    def representative_ci(self) -> str:
        return person_ci(self.representative, self.representative_phone)


def synthetic_profile(number: str, today: date) -> Profile:
    """A plausible, deterministic profile for any valid number nobody registered."""
    rng = random.Random(number)  # noqa: S311 - stand-in data
    sales = rng.randrange(80, 400) * 1_000_000
    return Profile(
        brn=number,
        business_name=rng.choice(["한강", "남산", "북촌", "을지", "성수"])
        + rng.choice(["식당", "상회", "공방", "카페"]),
        representative=rng.choice(["김", "이", "박", "최", "정"]) + rng.choice(["서연", "민준", "지우", "도윤"]),
        opened_on=today - timedelta(days=rng.randrange(400, 4000)),
        representative_phone=f"010{rng.randrange(10**8):08d}",
        industry=rng.choice(["restaurant", "retail", "personal_services", "manufacturing", "it_services"]),
        sales_by_year={str(today.year - 2): sales, str(today.year - 1): int(sales * rng.uniform(0.75, 1.1))},
        credit_score=rng.randrange(650, 950),
    )


# The demo's people and their businesses, known to the stand-ins of every process (the demo
# loader's and each server worker's), so that `make run` can be tried as these people: sign in
# with the name and mobile number, then apply with one of their business numbers
# (docs/guarantee.md). Anyone else is the representative of no business here.
DEMO_CITIZEN = ("김시민", "010-2020-0415")
DEMO_SHOPS = (("최민준", "010-2020-1001"), ("박지우", "010-2020-1002"), ("정서연", "010-2020-1003"))


def demo_profiles(today: date) -> list[Profile]:
    def shop(nine: str, name: str, person: tuple[str, str], **changes: Any) -> Profile:
        fields: dict[str, Any] = {
            "brn": brn_rules.make(nine),
            "business_name": name,
            "representative": person[0],
            "representative_phone": person[1],
            "opened_on": today - timedelta(days=6 * 365),
            "industry": "retail",
            "sales_by_year": {str(today.year - 2): 240_000_000, str(today.year - 1): 230_000_000},
            "credit_score": 860,
        }
        return Profile(**(fields | changes))

    return [
        shop("120864567", "한강분식", DEMO_CITIZEN),
        shop("120865678", "한강분식 2호점", DEMO_CITIZEN),
        shop("120866789", "한강분식 3호점", DEMO_CITIZEN, opened_on=today - timedelta(days=2 * 365)),
        shop("120867890", "한강포차", DEMO_CITIZEN, industry="restaurant", local_arrears=True),
        shop("101864321", "성수수제화", DEMO_SHOPS[0]),
        shop("105775432", "을지로인쇄", DEMO_SHOPS[1], credit_score=640, industry="manufacturing"),
        shop("211812345", "북촌한옥카페", DEMO_SHOPS[2], credit_score=610, industry="restaurant"),
    ]


class DocumentStandIn(StandIn):
    KINDS = ("business_registration", "vat_tax_base", "national_tax_payment", "local_tax_payment", "credit_report")
    TOKEN_SECONDS = 600

    def __init__(self) -> None:
        super().__init__()
        self.profiles: dict[str, Profile] = {}
        self.tokens: dict[str, tuple[str, frozenset[str], float]] = {}
        self.served: list[tuple[str, tuple[str, ...]]] = []  # (business number, kinds), per answer
        self.today: Callable[[], date] = date.today
        self.reset()

    def reset(self) -> None:
        """Back to what it knows when it starts: the demo's businesses, nothing served."""
        with self.lock:
            self.profiles.clear()
            self.served.clear()
        for profile in demo_profiles(self.today()):
            self.register(profile)

    def register(self, profile: Profile) -> Profile:
        with self.lock:
            self.profiles[brn_rules.normalise(profile.brn)] = profile
        return profile

    def profile(self, number: str) -> Profile:
        with self.lock:
            if number not in self.profiles:
                self.profiles[number] = synthetic_profile(number, self.today())
            return self.profiles[number]

    def handle(self, method: str, path: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        if method == "POST" and path == "/v1/consents":
            number = brn_rules.normalise(str(body.get("brn", "")))
            scope = frozenset(str(body.get("scope", "")).split())
            if not brn_rules.is_valid(number) or not body.get("subject") or not scope or scope - set(self.KINDS):
                return 400, {
                    "error": "invalid_request",
                    "message": "brn, subject and a scope of known kinds are required",
                }
            token = secrets.token_urlsafe(16)
            with self.lock:
                self.tokens[token] = (number, scope, time.time() + self.TOKEN_SECONDS)
            return 201, {"consent_token": token, "expires_in": self.TOKEN_SECONDS, "scope": " ".join(sorted(scope))}
        if method == "POST" and path == "/v1/documents":
            auth = headers.get("Authorization", "")
            token = auth.removeprefix("Bearer ").strip()
            found = self.tokens.get(token)
            if found is None:
                return 401, {"error": "invalid_consent", "message": "unknown consent token"}
            number, scope, expires = found
            if time.time() > expires:
                return 401, {"error": "consent_expired", "message": "the consent token has expired"}
            p = self.profile(number)
            if p.delay:
                time.sleep(p.delay)
            with self.lock:
                if p.fail_times > 0:
                    p.fail_times -= 1
                    return 503, {"error": "unavailable", "message": "the registry is busy, try again"}
            if p.certificate_expired:
                return 401, {"error": "certificate_expired", "message": "the applicant's certificate has expired"}
            documents = [d for d in self.documents(p) if d["kind"] in scope]
            with self.lock:
                self.served.append((number, tuple(d["kind"] for d in documents)))
            return 200, {"documents": documents}
        return 404, {"error": "not_found", "message": path}

    def documents(self, p: Profile) -> list[dict[str, Any]]:
        issued = (self.today() - timedelta(days=p.stale_days)).isoformat()
        base = {
            "issued_on": issued,
            "brn": brn_rules.formatted(p.brn),
            "business_name": p.business_name,
            "representative": p.representative,
        }
        serial = hashlib.sha256(f"{p.brn}{issued}".encode()).hexdigest()[:10].upper()
        return [
            {
                **base,
                "kind": "business_registration",
                "document_no": f"BR-{serial}",
                "representative_ci": p.representative_ci,
                "opened_on": p.opened_on.isoformat(),
                "address": p.address,
                "industry": p.industry,
                "status": p.status,
                "prior_closure": p.prior_closure,
            },
            {
                **base,
                "kind": "vat_tax_base",
                "document_no": f"VT-{serial}",
                "sales_by_year": p.sales_by_year,
                **({"business_name": p.vat_name} if p.vat_name else {}),
            },
            {**base, "kind": "national_tax_payment", "document_no": f"NT-{serial}", "arrears": p.national_arrears},
            {**base, "kind": "local_tax_payment", "document_no": f"LT-{serial}", "arrears": p.local_arrears},
            {
                "kind": "credit_report",
                "issued_on": issued,
                "document_no": f"CR-{serial}",
                "score": p.credit_score,
                "guarantee_balance": p.guarantee_balance,
            },
        ]


# --- partner bank -----------------------------------------------------------------------------


def _post(url: str, body: bytes, headers: dict[str, str]) -> None:
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - our callback
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
            resp.read()
    except OSError:
        pass  # a real bank retries later; tests look at what arrived


class BankStandIn(StandIn):
    """``mode``: ``accept`` (accept, then execute the loan), ``reject``, or ``timeout`` (answer
    the certificate request after the caller gave up, then execute, every webhook twice)."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret
        self.mode = "accept"
        self.answer_after = 0.05
        self.timeout_sleep = 2.0
        self.received: list[dict[str, Any]] = []
        self.by_key: dict[str, tuple[int, dict[str, Any]]] = {}
        self.deliver: Callable[[str, bytes, dict[str, str]], None] = _post
        self.sent: list[dict[str, Any]] = []

    def handle(self, method: str, path: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        if method != "POST" or path != "/v1/guarantee-certificates":
            return 404, {"error": "not_found", "message": path}
        key = headers.get("Idempotency-Key", "")
        if not key:
            return 400, {"error": "idempotency_key_required", "message": "Idempotency-Key header is required"}
        with self.lock:
            self.received.append({"key": key, **body})
            known = self.by_key.get(key)
            mode = self.mode
            if known is None:
                loan_id = "LN-" + hashlib.sha256(key.encode()).hexdigest()[:12].upper()
                answer = {"status": "received", "bank_reference": loan_id}
                self.by_key[key] = (202, answer)
        if known is not None:
            return known  # a retry: same answer, nothing processed twice
        threading.Thread(target=self._process, args=(key, body, loan_id, mode), daemon=True).start()
        if mode == "timeout":
            time.sleep(self.timeout_sleep)
        return 202, answer

    def _process(self, key: str, body: dict[str, Any], loan_id: str, mode: str) -> None:
        time.sleep(self.answer_after + (self.timeout_sleep if mode == "timeout" else 0))
        cert = str(body.get("certificate_number", ""))
        events: list[dict[str, Any]]
        if mode == "reject":
            events = [{"type": "certificate.rejected", "certificate_number": cert, "reason": "bank credit policy"}]
        else:
            events = [
                {"type": "certificate.accepted", "certificate_number": cert, "bank_reference": loan_id},
                {
                    "type": "loan.executed",
                    "certificate_number": cert,
                    "bank_reference": loan_id,
                    "loan_id": loan_id,
                    "amount": int(body.get("loan_amount", 0)),
                    "executed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                },
            ]
        for ev in events:
            ev["event_id"] = f"evt-{hashlib.sha256((key + ev['type']).encode()).hexdigest()[:16]}"
            self.send(str(body.get("callback_url", "")), ev, times=2 if mode == "timeout" else 1)

    def send(self, url: str, event: dict[str, Any], times: int = 1) -> None:
        raw = json.dumps(event, ensure_ascii=False).encode()
        for _ in range(times):
            headers = {"Content-Type": "application/json", "X-Bank-Signature": signing.sign(self.secret, raw)}
            self.sent.append(event)
            if url:
                self.deliver(url, raw, headers)
