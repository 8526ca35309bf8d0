"""Verification of free-travel entitlements (65 and over, disability, national merit) by the
public-data service, with the person's consent (protocol: docs/metro-payments.md).

The person is named by name, birth date and mobile number — never a resident registration
number, which the platform neither asks for nor sends (the stand-in refuses one outright). The
answer lists the entitlements in force today, each with the date after which to ask again.

Configuration: ``SEOUL_METRO_ENTITLEMENTS_URL`` (else a loopback stand-in, on
``SEOUL_METRO_ENTITLEMENTS_STANDIN_PORT`` if set), ``SEOUL_METRO_ENTITLEMENTS_API_KEY``
(derived from ``SECRET_KEY`` unless set), ``SEOUL_METRO_ENTITLEMENTS_TIMEOUT`` (seconds, 5)
and ``SEOUL_METRO_ENTITLEMENTS_ATTEMPTS`` (3; a verification is a read, so a time-out or a
busy answer is simply asked again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from seoul.core.adapters.config import derived_secret, setting
from seoul.core.adapters.http import AdapterError, call, with_retries
from seoul.core.adapters.standin import Running
from seoul.metro.adapters.standins import KINDS, EntitlementStandIn

_running = Running()


@dataclass(frozen=True)
class Entitlement:
    kind: str  # "senior" | "disabled" | "merit"
    valid_until: date  # expiry; re-verify after it


class EntitlementError(AdapterError):
    """``timeout``/``unavailable`` (ask again later), ``consent_required``, ``invalid_request``,
    ``resident_number_refused``, ``unauthorized``, ``invalid_answer``."""


def api_key() -> str:
    return derived_secret("SEOUL_METRO_ENTITLEMENTS_API_KEY", b"metro-entitlements-api-key")


def _make(port: int) -> EntitlementStandIn:
    return EntitlementStandIn(api_key(), port=port)


def _standin_port() -> int:
    return int(setting("SEOUL_METRO_ENTITLEMENTS_STANDIN_PORT", 0))


def standin() -> EntitlementStandIn:
    """This process's verification stand-in (started on first use): tests add people to it."""
    made = _running.get("entitlements", _make, _standin_port())
    assert isinstance(made, EntitlementStandIn)  # noqa: S101 - the registry holds what _make made
    return made


def endpoint() -> str:
    configured = setting("SEOUL_METRO_ENTITLEMENTS_URL")
    if configured:
        return str(configured).rstrip("/")
    return _running.url("entitlements", _make, _standin_port())


def verify_entitlements(*, name: str, birth_date: date, phone: str, consent_id: str) -> list[Entitlement]:
    """The entitlements in force for this person today (empty if none, or if the service does
    not know the person). Raises :class:`EntitlementError`."""
    if not consent_id:
        raise EntitlementError("consent_required", "the person's consent is required")
    body = {"name": name, "birth_date": birth_date.isoformat(), "phone": phone, "consent_id": consent_id}
    headers = {"Authorization": f"Bearer {api_key()}"}
    timeout = float(setting("SEOUL_METRO_ENTITLEMENTS_TIMEOUT", 5))
    url = endpoint() + "/v1/entitlements/verifications"
    try:
        _status, data = with_retries(
            lambda: call("POST", url, body, headers=headers, timeout=timeout),
            attempts=int(setting("SEOUL_METRO_ENTITLEMENTS_ATTEMPTS", 3)),
        )
    except AdapterError as exc:
        raise EntitlementError(exc.code, str(exc), status=exc.status) from None
    try:
        found = [
            Entitlement(kind=str(item["kind"]), valid_until=date.fromisoformat(str(item["valid_until"])))
            for item in data["entitlements"]
        ]
    except (KeyError, TypeError, ValueError):
        raise EntitlementError("invalid_answer", "the service's answer is not a list of entitlements") from None
    unknown = {e.kind for e in found} - set(KINDS)
    if unknown:
        raise EntitlementError("invalid_answer", f"unknown entitlement kinds: {sorted(unknown)}")
    return found
