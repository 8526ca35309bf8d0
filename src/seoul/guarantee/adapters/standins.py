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
  or fail with an expired certificate. For a company (a business number whose type code says
  corporation) it also serves the corporate registration (naming the representative directors,
  대표이사, by name and connecting identifier), the shareholder register and the financial
  statements (:class:`Corporate`; made up from the profile where it says nothing).

The two know the same people: :func:`person_ci` gives the connecting identifier of a name and
mobile number, as the auth stand-in reports it when that person signs in and as the document
stand-in names a business's representative.
* :class:`BankStandIn` — a partner bank: receives an electronic guarantee certificate with an
  ``Idempotency-Key`` and answers later by HMAC-signed webhooks to the ``callback_url``
  (``certificate.accepted`` then ``loan.executed``, or ``certificate.rejected``). In
  ``timeout`` mode it answers the request too late and then sends every webhook twice.
* :class:`PaymentStandIn` — a card payment gateway (PG) for the guarantee fee: a payment order
  made with an ``Idempotency-Key`` gives the URL of its checkout page, where the applicant pays
  or declines (Korean or English); the gateway then sends the browser back to the platform's
  ``return_url`` with the result signed, and posts the same result as a signed webhook
  (``payment.paid``, ``payment.declined`` or ``payment.failed``) to the ``webhook_url``.

Each is a :class:`seoul.core.adapters.standin.StandIn`: a ``ThreadingHTTPServer`` on an
ephemeral loopback port in a daemon thread, with the common fault knobs. The service talks to
them through ``clients.py`` like it would talk to the real endpoints.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import random
import re
import secrets
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from seoul.core.adapters import signing
from seoul.core.adapters.standin import (
    Answer,
    Request,
    SendsWebhooks,
    StandIn,
    Webhooks,
    error,
    html_answer,
    json_answer,
    redirect,
)
from seoul.core.engine import brn as brn_rules
from seoul.core.engine.time import SEOUL
from seoul.guarantee.engine.corporate import make_crn

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
class Director:
    """A director on a company's corporate registration; with the name, the mobile number says
    who they are (person_ci), and a representative director's (대표이사) identifier is on it."""

    name: str
    role: str = "사내이사"  # 대표이사, 사내이사, 사외이사, 감사 …
    phone: str = ""


@dataclass
class Shareholder:
    name: str
    shares: int
    kind: str = "person"  # person | corporation
    large_group: bool = False  # belongs to a large enterprise group (상호출자제한기업집단)


@dataclass
class Corporate:
    """What a company's registers say beyond the business registration; what is left None is
    made up from the profile (:func:`company_of`): the business's name, address and opening day,
    the representative as the only representative director and the only shareholder, and
    statements of last year whose revenue is last year's sales on the VAT certificate."""

    corporate_no: str = ""  # 13 digits; "": made from the business number
    company_name: str | None = None
    head_office: str | None = None
    incorporated_on: date | None = None
    status: str = "in_force"  # in_force | dissolved | liquidation
    directors: list[Director] | None = None
    shareholders: list[Shareholder] | None = None
    total_shares: int | None = None  # None: the shares held
    fiscal_year: int | None = None  # None: last year
    revenue: int | None = None
    operating_profit: int | None = None
    total_assets: int | None = None
    total_liabilities: int | None = None
    total_equity: int | None = None  # None: assets − liabilities


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
    # a company's registers: used only when the number's type code says corporation
    corporate: Corporate | None = None

    @property
    def representative_ci(self) -> str:
        return person_ci(self.representative, self.representative_phone)


def company_of(p: Profile, today: date) -> Corporate:
    """The profile's company registers, with everything it leaves unsaid made up (see
    :class:`Corporate`): consistent with its other documents, and sound."""
    c = p.corporate or Corporate()
    digits = brn_rules.normalise(p.brn)
    revenue = c.revenue
    if revenue is None:
        last = p.sales_by_year.get(str(today.year - 1))
        revenue = last if last is not None else max(p.sales_by_year.values(), default=0)
    assets = c.total_assets if c.total_assets is not None else revenue * 8 // 10
    liabilities = c.total_liabilities if c.total_liabilities is not None else assets * 55 // 100
    directors = c.directors or [Director(p.representative, "대표이사", p.representative_phone)]
    shareholders = c.shareholders or [Shareholder(p.representative, 10_000)]
    return Corporate(
        corporate_no=c.corporate_no or make_crn("110111" + digits[-6:]),
        company_name=c.company_name if c.company_name is not None else p.business_name,
        head_office=c.head_office if c.head_office is not None else p.address,
        incorporated_on=c.incorporated_on or p.opened_on,
        status=c.status,
        directors=directors,
        shareholders=shareholders,
        total_shares=c.total_shares if c.total_shares is not None else sum(s.shares for s in shareholders),
        fiscal_year=c.fiscal_year or today.year - 1,
        revenue=revenue,
        operating_profit=c.operating_profit if c.operating_profit is not None else revenue * 6 // 100,
        total_assets=assets,
        total_liabilities=liabilities,
        total_equity=c.total_equity if c.total_equity is not None else assets - liabilities,
    )


def synthetic_profile(number: str, today: date) -> Profile:
    """A plausible, deterministic profile for any valid number nobody registered; for a
    company's number, a company (주식회사) with a board and two shareholders."""
    rng = random.Random(number)  # noqa: S311 - stand-in data
    sales = rng.randrange(80, 400) * 1_000_000
    p = Profile(
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
    if not brn_rules.is_corporation(number):
        return p
    p.business_name = "(주)" + p.business_name
    director = rng.choice(["강", "윤", "장", "임"]) + rng.choice(["하준", "서윤", "지호", "예린"])
    auditor = rng.choice(["오", "서", "신", "권"]) + rng.choice(["현우", "수아", "민재", "지안"])
    held = rng.randrange(5_500, 9_000)
    p.corporate = Corporate(
        company_name="주식회사 " + p.business_name.removeprefix("(주)"),
        directors=[
            Director(p.representative, "대표이사", p.representative_phone),
            Director(director, "사내이사"),
            Director(auditor, "감사"),
        ],
        shareholders=[Shareholder(p.representative, held), Shareholder(director, 10_000 - held)],
    )
    return p


# The demo's people and their businesses, known to the stand-ins of every process (the demo
# loader's and each server worker's), so that `make run` can be tried as these people: sign in
# with the name and mobile number, then apply with one of their business numbers
# (docs/guarantee.md). Anyone else is the representative of no business here.
DEMO_CITIZEN = ("김시민", "010-2020-0415")
DEMO_SHOPS = (
    ("최민준", "010-2020-1001"),
    ("박지우", "010-2020-1002"),
    ("정서연", "010-2020-1003"),
    ("한도윤", "010-2020-1004"),
)


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
        shop("120014567", "한강분식", DEMO_CITIZEN),
        shop("120015678", "한강분식 2호점", DEMO_CITIZEN),
        shop("120016789", "한강분식 3호점", DEMO_CITIZEN, opened_on=today - timedelta(days=2 * 365)),
        shop("120017890", "한강포차", DEMO_CITIZEN, industry="restaurant", local_arrears=True),
        shop("101014321", "성수수제화", DEMO_SHOPS[0]),
        shop("105775432", "을지로인쇄", DEMO_SHOPS[1], credit_score=640, industry="manufacturing"),
        shop("211022345", "북촌한옥카페", DEMO_SHOPS[2], credit_score=610, industry="restaurant"),
        shop("215034567", "망원동꽃집", DEMO_SHOPS[3]),
        # a company (법인), 최민준 its representative director: the corporate journey
        shop(
            "101812026",
            "(주)성수로보틱스",
            DEMO_SHOPS[0],
            address="서울특별시 성동구 성수이로 100",
            industry="manufacturing",
            opened_on=today - timedelta(days=5 * 365),
            sales_by_year={str(today.year - 2): 950_000_000, str(today.year - 1): 1_150_000_000},
            credit_score=850,
            corporate=Corporate(
                company_name="주식회사 성수로보틱스",
                directors=[
                    Director(DEMO_SHOPS[0][0], "대표이사", DEMO_SHOPS[0][1]),
                    Director("이서연", "사내이사"),
                    Director("박도윤", "감사"),
                ],
                shareholders=[
                    Shareholder(DEMO_SHOPS[0][0], 6_000),
                    Shareholder("이서연", 2_500),
                    Shareholder("(주)한강벤처스", 1_500, kind="corporation"),
                ],
                revenue=1_180_000_000,
                operating_profit=84_000_000,
                total_assets=900_000_000,
                total_liabilities=520_000_000,
            ),
        ),
    ]


class DocumentStandIn(StandIn):
    KINDS = (
        "business_registration",
        "vat_tax_base",
        "national_tax_payment",
        "local_tax_payment",
        "credit_report",
        "corporate_registration",
        "shareholder_register",
        "financial_statements",
    )
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
        company = company_of(p, self.today()) if brn_rules.is_corporation(p.brn) else None
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
                # a company's business registration states its corporate registration number
                **({"corporate_no": _crn(company.corporate_no)} if company is not None else {}),
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
            *(self.company_documents(company, base, issued, serial) if company is not None else []),
        ]

    @staticmethod
    def company_documents(c: Corporate, base: dict[str, Any], issued: str, serial: str) -> list[dict[str, Any]]:
        """A company's corporate registration (the court registry's: no business number), its
        shareholder register and its financial statements."""
        directors = [
            {
                "name": d.name,
                "role": d.role,
                **({"representative_ci": person_ci(d.name, d.phone)} if d.role == "대표이사" else {}),
            }
            for d in c.directors or []
        ]
        return [
            {
                "kind": "corporate_registration",
                "issued_on": issued,
                "document_no": f"CO-{serial}",
                "corporate_no": _crn(c.corporate_no),
                "company_name": c.company_name,
                "head_office": c.head_office,
                "incorporated_on": c.incorporated_on.isoformat() if c.incorporated_on else None,
                "status": c.status,
                "directors": directors,
            },
            {
                **base,
                "kind": "shareholder_register",
                "document_no": f"SH-{serial}",
                "shareholders": [
                    {"name": s.name, "kind": s.kind, "shares": s.shares, "large_group": s.large_group}
                    for s in c.shareholders or []
                ],
                "total_shares": c.total_shares,
            },
            {
                **base,
                "kind": "financial_statements",
                "document_no": f"FS-{serial}",
                "fiscal_year": c.fiscal_year,
                "revenue": c.revenue,
                "operating_profit": c.operating_profit,
                "total_assets": c.total_assets,
                "total_liabilities": c.total_liabilities,
                "total_equity": c.total_equity,
            },
        ]


def _crn(number: str) -> str:
    """A corporate registration number as documents print it (XXXXXX-XXXXXXX)."""
    digits = number.replace("-", "")
    return f"{digits[:6]}-{digits[6:]}" if len(digits) == 13 else number


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
        if method == "GET" and path.startswith("/v1/loans/") and path.endswith("/statement"):
            loan_id = path.removeprefix("/v1/loans/").removesuffix("/statement")
            found = self.statement(loan_id)
            return (200, found) if found is not None else (404, {"error": "unknown_loan", "message": loan_id})
        key = headers.get("Idempotency-Key", "")
        if method == "POST" and path.startswith("/v1/loans/") and path.endswith("/subrogation"):
            return self._subrogation(path.removeprefix("/v1/loans/").removesuffix("/subrogation"), key, body)
        if method == "POST" and path.startswith("/v1/loans/") and path.endswith("/extension"):
            return self._extension(path.removeprefix("/v1/loans/").removesuffix("/extension"), key, body)
        if method != "POST" or path != "/v1/guarantee-certificates":
            return 404, {"error": "not_found", "message": path}
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

    def report(self, url: str, loan: dict[str, Any], kind: str, *, times: int = 1, **fields: Any) -> dict[str, Any]:
        """Report the next event of a loan's life (``kind``: repaid, prepaid, arrears, cured,
        defaulted, subrogated) with its sequence number, as the bank's system does; ``loan`` is the
        ``loan.executed`` event it follows (from :attr:`sent`). ``times`` > 1 repeats it."""
        with self.lock:
            seq = 2 + len({e["event_id"] for e in self.sent if e.get("loan_id") == loan["loan_id"] and e.get("seq")})
        event = {
            "event_id": f"evt-{loan['loan_id']}-{seq}",
            "type": f"loan.{kind}",
            "certificate_number": loan["certificate_number"],
            "loan_id": loan["loan_id"],
            "seq": seq,
            "on": datetime.now(SEOUL).date().isoformat(),  # the bank's business day is Seoul's
            **fields,
        }
        self.send(url, event, times=times)
        return event

    def _loan_request(self, loan_id: str, key: str) -> tuple[tuple[int, Any] | None, dict[str, Any]]:
        """A request about a loan: its answer already (no key, a repeated key, an unknown loan),
        or None and the loan's statement."""
        if not key:
            return (400, {"error": "idempotency_key_required", "message": "Idempotency-Key header is required"}), {}
        with self.lock:
            known = self.by_key.get(key)
        if known is not None:
            return known, {}
        found = self.statement(loan_id)
        if found is None:
            return (404, {"error": "unknown_loan", "message": loan_id}), {}
        return None, found

    def _subrogation(self, loan_id: str, key: str, body: dict[str, Any]) -> tuple[int, Any]:
        """The foundation pays its share of a defaulted loan: once per key, only for a loan in
        default, never more than is outstanding; the receipt is reported as the loan's next
        event (``loan.subrogated``) to ``callback_url``."""
        answered, found = self._loan_request(loan_id, key)
        if answered is not None:
            return answered
        amount = int(body.get("amount", 0))
        if found["status"] != "defaulted":
            return 409, {"error": "not_in_default", "message": f"loan {loan_id} is {found['status']}"}
        if not 0 < amount <= found["outstanding"]:
            return 422, {"error": "bad_amount", "message": f"{amount} is not within the outstanding amount"}
        payout = next(e for e in self.sent if e.get("loan_id") == loan_id and e["type"] == "loan.executed")
        answer = {"status": "received", "loan_id": loan_id, "amount": amount}
        with self.lock:
            self.by_key[key] = (202, answer)
        url = str(body.get("callback_url", ""))

        def confirm() -> None:
            time.sleep(self.answer_after)
            self.report(url, payout, "subrogated", principal=amount)

        threading.Thread(target=confirm, daemon=True).start()
        return 202, answer

    def _extension(self, loan_id: str, key: str, body: dict[str, Any]) -> tuple[int, Any]:
        """The foundation extended a loan's guarantee: once per key, only for a loan being
        repaid normally, the part to repay first no more than is outstanding. The bank takes
        the repayment (reported as ``loan.repaid``) and then extends the loan to ``new_term``
        (``loan.extended``, the loan's next events, to ``callback_url``)."""
        answered, found = self._loan_request(loan_id, key)
        if answered is not None:
            return answered
        if found["status"] != "active":
            return 409, {"error": "not_active", "message": f"loan {loan_id} is {found['status']}"}
        repayment = int(body.get("repayment", 0))
        try:
            new_term = date.fromisoformat(str(body.get("new_term", "")))
        except ValueError:
            return 422, {"error": "bad_term", "message": "new_term must be a date YYYY-MM-DD"}
        if not 0 <= repayment < found["outstanding"]:
            return 422, {"error": "bad_amount", "message": f"{repayment} is not below the outstanding amount"}
        payout = next(e for e in self.sent if e.get("loan_id") == loan_id and e["type"] == "loan.executed")
        answer = {"status": "received", "loan_id": loan_id, "new_term": new_term.isoformat()}
        with self.lock:
            self.by_key[key] = (202, answer)
        url = str(body.get("callback_url", ""))

        def extend() -> None:
            time.sleep(self.answer_after)
            if repayment:
                self.report(url, payout, "repaid", principal=repayment)
            self.report(url, payout, "extended", maturity=new_term.isoformat())

        threading.Thread(target=extend, daemon=True).start()
        return 202, answer

    def statement(self, loan_id: str) -> dict[str, Any] | None:
        """The bank's statement of a loan: its figures after every event it reported (once each)."""
        with self.lock:
            events = {e["event_id"]: e for e in self.sent if e.get("loan_id") == loan_id}
        payout = next((e for e in events.values() if e["type"] == "loan.executed"), None)
        if payout is None:
            return None
        status, repaid, interest, subrogated, last = "active", 0, 0, 0, 1
        extensions, extended_to = 0, None
        for e in sorted((e for e in events.values() if e.get("seq")), key=lambda e: e["seq"]):
            last = e["seq"]
            kind = e["type"].removeprefix("loan.")
            if kind in ("repaid", "prepaid"):
                repaid += int(e.get("principal", 0))
                interest += int(e.get("interest", 0))
                status = "closed" if repaid >= int(payout["amount"]) else status
            elif kind in ("arrears", "defaulted"):
                status = kind
            elif kind == "cured":
                status = "active"
            elif kind == "subrogated":
                status, subrogated = kind, int(e.get("principal", 0))
            elif kind == "extended":
                extensions, extended_to = extensions + 1, e.get("maturity")
        amount = int(payout["amount"])
        return {
            "loan_id": loan_id,
            "last_seq": last,
            "status": status,
            "disbursed": amount,
            "principal_repaid": repaid,
            "interest_paid": interest,
            "outstanding": amount - repaid - subrogated,
            "subrogation_received": subrogated,
            "extensions": extensions,
            "extended_to": extended_to,
        }

    def send(self, url: str, event: dict[str, Any], times: int = 1) -> None:
        raw = json.dumps(event, ensure_ascii=False).encode()
        for _ in range(times):
            headers = {"Content-Type": "application/json", "X-Bank-Signature": signing.sign(self.secret, raw)}
            self.sent.append(event)
            if url:
                self.deliver(url, raw, headers)


# --- payment gateway (the guarantee fee) ---------------------------------------------------------

GATEWAY_HEADER = "X-Gateway-Signature"
MAX_PAYMENT = 1_000_000_000  # won: far above any yearly guarantee fee
RETURN_FIELDS = ("payment_id", "order_id", "status", "amount", "code")
_ORDER_ID = re.compile(r"[A-Za-z0-9_-]{6,64}", re.ASCII)


def return_query(params: dict[str, str]) -> bytes:
    """The bytes the gateway signs when it sends the browser back: the result's fields
    (:data:`RETURN_FIELDS`, each present, in this order) as a query string."""
    return urlencode([(name, str(params.get(name, ""))) for name in RETURN_FIELDS]).encode()


@dataclass
class Order:
    """One payment order of the gateway: made by the merchant's server, paid (or not) by the
    customer on the checkout page."""

    payment_id: str
    order_id: str
    amount: int
    order_name: str
    return_url: str
    webhook_url: str
    lang: str
    status: str = "ready"  # ready | paid | declined | failed
    decline_code: str = ""
    paid_at: str = ""

    def public(self) -> dict[str, Any]:
        return {
            "payment_id": self.payment_id,
            "order_id": self.order_id,
            "status": self.status,
            "amount": self.amount,
            "decline_code": self.decline_code,
            "paid_at": self.paid_at or None,
        }


_PAGE_WORDS = {
    "ko": {
        "title": "서울신용보증재단 결제",
        "banner": "결제대행 테스트 서버",
        "merchant": "가맹점",
        "merchant_name": "서울신용보증재단",
        "item": "상품",
        "amount": "결제 금액",
        "note": "테스트 결제입니다. 실제로 돈이 빠져나가지 않습니다.",
        "pay": "결제하기",
        "decline": "결제 거절 (테스트)",
        "won": "{:,}원",
        "gone": "이 결제는 이미 끝났습니다.",
        "missing": "이 결제 링크는 없습니다.",
        "back": "돌아가기",
    },
    "en": {
        "title": "Payment to the Seoul Credit Guarantee Foundation",
        "banner": "Payment gateway stand-in",
        "merchant": "Merchant",
        "merchant_name": "Seoul Credit Guarantee Foundation",
        "item": "For",
        "amount": "Amount",
        "note": "This is a test payment. No money leaves any account.",
        "pay": "Pay",
        "decline": "Decline the payment (test)",
        "won": "KRW {:,}",
        "gone": "This payment is already finished.",
        "missing": "This payment link does not exist.",
        "back": "Go back",
    },
}

_PAGE_STYLE = """
body{margin:0;font-family:"Pretendard","Noto Sans KR","Nanum Gothic",system-ui,sans-serif;color:#1e2124;
background:#f4f5f6;line-height:1.5;font-size:17px}
header{background:#fff;border-bottom:1px solid #cdd1d5;padding:12px 16px;font-weight:700}
main{max-width:32rem;margin:24px auto;background:#fff;border:1px solid #cdd1d5;border-radius:8px;padding:20px 24px}
h1{font-size:1.5rem;margin:0 0 12px} dl{margin:0} dt{font-weight:700} dd{margin:0 0 12px}
.amount{font-size:1.4rem;font-weight:700}
.actions{display:flex;gap:12px;flex-wrap:wrap;margin-top:24px}
button{font-size:1.06rem;padding:10px 20px;border-radius:6px;border:1px solid #256ef4;cursor:pointer}
.primary{background:#256ef4;color:#fff} .secondary{background:#fff;color:#256ef4}
button:focus,a:focus{outline:3px solid #1c1c1c;outline-offset:2px}
"""


def _language(request: Request) -> str:
    """``?lang=`` first, else the browser's Accept-Language; Korean unless English is asked."""
    asked = request.query.get("lang", "")
    if asked in _PAGE_WORDS:
        return asked
    accept = request.header("Accept-Language").lower()
    first = accept.split(",")[0].strip() if accept else ""
    return "en" if first.startswith("en") else "ko"


def _checkout_page(lang: str, title: str, content: str) -> str:
    words = _PAGE_WORDS[lang]
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · {words['banner']}</title><style>{_PAGE_STYLE}</style></head>"
        f"<body><header>{words['banner']}</header><main>{content}</main></body></html>"
    )


class PaymentStandIn(SendsWebhooks, StandIn):
    """The payment gateway the guarantee fee is paid through.

    ``POST /v1/payments`` (``Idempotency-Key`` required; ``order_id``, ``amount`` in won,
    ``order_name``, ``return_url``, ``webhook_url``, ``lang``) → 201 with the ``payment_id`` and
    the ``checkout_url``; a repeated key answers its first answer (another body with the same key
    is a 422). ``GET /v1/payments/{id}`` → the payment as the gateway knows it.
    ``GET /checkout/{id}`` is the checkout page; ``POST /checkout/{id}`` with ``action=pay`` or
    ``decline`` settles it once, posts the webhook and sends the browser back to
    ``return_url?payment_id=…&order_id=…&status=…&amount=…&code=…&signature=t=…,v1=…`` (the
    signature over :func:`return_query`, with the webhook secret).

    Knobs beyond the common ones (``fail_next``: 503s; ``late_next``/``late_by``: the order is
    made but the answer comes after the caller gave up): ``decline_next``/``decline_code``
    decline the next *n* payments whatever button is pressed; ``fail_payments_next`` makes the
    next *n* end ``failed`` (the card company not reached); ``webhook_repeat`` (send each
    webhook that many times), ``webhook_delay``, ``webhook_hold`` (keep webhooks back until
    ``webhooks.flush``)."""

    FAULTY = ("/v1/",)
    KNOBS = {
        **StandIn.KNOBS,
        "decline_next": int,
        "decline_code": str,
        "fail_payments_next": int,
        "webhook_repeat": int,
        "webhook_delay": float,
        "webhook_hold": bool,
    }

    def __init__(self, secret: str, **kwargs: Any) -> None:
        self.secret = secret
        self.webhooks = Webhooks(secret, GATEWAY_HEADER)
        self.orders: dict[str, Order] = {}
        self.by_key: dict[str, tuple[str, Answer]] = {}
        self.requests: list[dict[str, Any]] = []  # every API request: method, path, key
        super().__init__(**kwargs)

    def reset_faults(self) -> None:
        super().reset_faults()
        with self.lock:
            self.decline_next = 0
            self.decline_code = "card_declined"
            self.fail_payments_next = 0

    def reset(self) -> None:
        """Forget every order and webhook, every knob back to how it started."""
        self.webhooks.reset()
        with self.lock:
            self.reset_faults()
            self.orders.clear()
            self.by_key.clear()
            self.requests.clear()

    # --- the API -----------------------------------------------------------------------------

    def respond(self, request: Request) -> Answer:
        path = request.path
        if path.startswith("/checkout/"):
            return self.checkout(request, path.removeprefix("/checkout/"))
        with self.lock:
            self.requests.append({"method": request.method, "path": path, "key": request.header("Idempotency-Key")})
        if request.method == "POST" and path == "/v1/payments":
            return self.create(request)
        if request.method == "GET" and path.startswith("/v1/payments/"):
            with self.lock:
                order = self.orders.get(path.removeprefix("/v1/payments/"))
            return json_answer(200, order.public()) if order else error(404, "payment_not_found", "no such payment")
        return error(404, "not_found", path)

    def create(self, request: Request) -> Answer:
        key = request.header("Idempotency-Key")
        if not key or len(key) > 255:
            return error(400, "idempotency_key_required", "an Idempotency-Key header (1–255 characters) is required")
        body = request.json()
        fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        with self.lock:
            known = self.by_key.get(key)
            if known is not None:
                if known[0] != fingerprint:
                    return error(422, "idempotency_key_reused", "this key was used for another payment")
                return known[1]
            answer = self._create(body)
            if answer.status < 500:
                self.by_key[key] = (fingerprint, answer)
        return answer

    def _create(self, body: dict[str, Any]) -> Answer:
        order_id, amount, name = body.get("order_id"), body.get("amount"), body.get("order_name", "")
        return_url, webhook_url, lang = body.get("return_url"), body.get("webhook_url", ""), body.get("lang", "ko")
        if not isinstance(order_id, str) or not _ORDER_ID.fullmatch(order_id):
            return error(400, "invalid_request", "order_id: 6–64 letters, digits, - or _")
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_PAYMENT:
            return error(400, "invalid_amount", f"amount must be a whole number of won, 1 to {MAX_PAYMENT}")
        if not isinstance(name, str) or len(name) > 100:
            return error(400, "invalid_request", "order_name: at most 100 characters")
        if not isinstance(return_url, str) or urlsplit(return_url).scheme not in ("http", "https"):
            return error(400, "invalid_request", "return_url must be an http(s) URL")
        if not isinstance(webhook_url, str) or (webhook_url and urlsplit(webhook_url).scheme not in ("http", "https")):
            return error(400, "invalid_request", "webhook_url must be an http(s) URL")
        if any(o.order_id == order_id for o in self.orders.values()):
            return error(409, "duplicate_order_id", "an order with this id was made already")
        order = Order(
            "pay_" + secrets.token_hex(10),
            order_id,
            amount,
            name,
            return_url,
            webhook_url,
            lang if lang in _PAGE_WORDS else "ko",
        )
        self.orders[order.payment_id] = order
        suffix = "?lang=en" if order.lang == "en" else ""
        return json_answer(201, {**order.public(), "checkout_url": f"{self.url}/checkout/{order.payment_id}{suffix}"})

    # --- the checkout page -------------------------------------------------------------------

    def checkout(self, request: Request, payment_id: str) -> Answer:
        with self.lock:
            order = self.orders.get(payment_id)
        lang = _language(request)
        words = _PAGE_WORDS[lang]
        if order is None:
            return html_answer(404, _checkout_page(lang, words["missing"], f"<h1>{words['missing']}</h1>"))
        if request.method == "POST":
            action = request.form().get("action", "")
            if action in ("pay", "decline"):
                location = self.complete(payment_id, action)
                if location:
                    return redirect(location)
        if order.status != "ready":
            back = html.escape(self.return_location(order))
            return html_answer(
                410,
                _checkout_page(
                    lang, words["gone"], f'<h1>{words["gone"]}</h1><p><a href="{back}">{words["back"]}</a></p>'
                ),
            )
        action = f"/checkout/{html.escape(order.payment_id)}?lang={lang}"
        content = (
            f"<h1>{words['title']}</h1>"
            f"<dl><dt>{words['merchant']}</dt><dd>{words['merchant_name']}</dd>"
            f"<dt>{words['item']}</dt><dd>{html.escape(order.order_name)}</dd>"
            f'<dt>{words["amount"]}</dt><dd class="amount" data-testid="pg-amount">'
            f"{words['won'].format(order.amount)}</dd></dl>"
            f"<p>{words['note']}</p>"
            f'<form method="post" action="{action}"><div class="actions">'
            f'<button class="primary" type="submit" name="action" value="pay">{words["pay"]}</button>'
            f'<button class="secondary" type="submit" name="action" value="decline">{words["decline"]}</button>'
            "</div></form>"
        )
        return html_answer(200, _checkout_page(lang, words["title"], content))

    def complete(self, payment_id: str, action: str) -> str:
        """Settle a ready payment as the customer's button does (``pay`` or ``decline``): post
        the webhook, and return where the browser is sent ("" for an unknown payment). A payment
        already settled is not settled again; its return address is given again."""
        with self.lock:
            order = self.orders.get(payment_id)
            if order is None:
                return ""
            if order.status == "ready":
                if action == "decline":
                    order.status, order.decline_code = "declined", "card_declined"
                elif self.decline_next > 0:
                    self.decline_next -= 1
                    order.status, order.decline_code = "declined", self.decline_code
                elif self.fail_payments_next > 0:
                    self.fail_payments_next -= 1
                    order.status, order.decline_code = "failed", "card_company_unreachable"
                else:
                    order.status = "paid"
                    order.paid_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                self._emit(order)
            return self.return_location(order)

    def _emit(self, order: Order) -> None:
        event = {
            "event_id": "evt_" + hashlib.sha256(f"{order.payment_id}:{order.status}".encode()).hexdigest()[:20],
            "type": f"payment.{order.status}",
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            **order.public(),
        }
        self.webhooks.url = order.webhook_url  # under the lock: the sender takes it when scheduling
        self.webhooks.emit(event)

    def return_location(self, order: Order) -> str:
        params = {
            "payment_id": order.payment_id,
            "order_id": order.order_id,
            "status": order.status,
            "amount": str(order.amount),
            "code": order.decline_code,
        }
        signed = return_query(params)
        query = signed.decode() + "&" + urlencode({"signature": signing.sign(self.secret, signed)})
        existing = dict(parse_qsl(urlsplit(order.return_url).query))
        joiner = "&" if existing else "?"
        return f"{order.return_url}{joiner}{query}"
