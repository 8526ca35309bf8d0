"""The entitlement-verification adapter against its loopback stand-in: the demo people, expiry,
consent, no resident registration number, a busy and a slow service (no database)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.test import override_settings

from seoul.core.adapters.http import call
from seoul.metro.adapters import entitlements
from seoul.metro.adapters.entitlements import Entitlement, EntitlementError
from seoul.metro.adapters.standins import SENIOR_HORIZON_DAYS, EntitlementStandIn, Person

TODAY = date(2026, 12, 2)


@pytest.fixture
def registry() -> Iterator[EntitlementStandIn]:
    service = entitlements.standin()
    service.reset()
    service.today = lambda: TODAY
    yield service
    service.reset()


def verify(name: str, birth: date, phone: str, consent: str = "consent-1") -> list[Entitlement]:
    return entitlements.verify_entitlements(name=name, birth_date=birth, phone=phone, consent_id=consent)


def test_the_demo_people_and_their_expiries(registry: EntitlementStandIn) -> None:
    horizon = TODAY + timedelta(days=SENIOR_HORIZON_DAYS)
    assert verify("김영자", date(1953, 2, 14), "010-6500-0001") == [Entitlement("senior", horizon)]
    assert verify("이준호", date(1985, 7, 9), "01065000002") == [Entitlement("disabled", TODAY + timedelta(days=730))]
    assert verify("박상철", date(1968, 11, 30), "010 6500 0003") == [Entitlement("merit", TODAY + timedelta(days=1825))]
    assert verify("최말순", date(1950, 5, 5), "010-6500-0004") == [
        Entitlement("senior", horizon),
        Entitlement("disabled", TODAY + timedelta(days=365)),
    ]
    assert verify("한지민", date(1999, 12, 1), "010-6500-0006") == []  # known, entitled to nothing
    # the same name with another birth date or number is someone the service does not know
    assert verify("김영자", date(1953, 2, 15), "010-6500-0001") == []
    assert verify("김영자", date(1953, 2, 14), "010-6500-0009") == []
    assert [s["consent_id"] for s in registry.served] == ["consent-1"] * 7


def test_an_expired_entitlement_is_no_longer_given(registry: EntitlementStandIn) -> None:
    soon = verify("정하늘", date(1992, 3, 21), "010-6500-0005")
    assert soon == [Entitlement("disabled", TODAY + timedelta(days=3))]
    registry.add(Person("정하늘", date(1992, 3, 21), "010-6500-0005", {"disabled": -1}))  # reassessed: lapsed
    assert verify("정하늘", date(1992, 3, 21), "010-6500-0005") == []


def test_65_is_reached_on_the_birthday(registry: EntitlementStandIn) -> None:
    registry.add(Person("문경로", date(1961, 12, 3), "010-6500-0100"))
    assert verify("문경로", date(1961, 12, 3), "010-6500-0100") == []  # 64 until tomorrow
    registry.today = lambda: date(2026, 12, 3)
    assert [e.kind for e in verify("문경로", date(1961, 12, 3), "010-6500-0100")] == ["senior"]


def test_people_are_added_through_the_control_endpoint(registry: EntitlementStandIn) -> None:
    person = {"name": "서민재", "birth_date": "1979-04-01", "phone": "010-6500-0200", "entitlements": {"merit": 30}}
    call("POST", entitlements.endpoint() + "/_control/people", person)
    assert verify("서민재", date(1979, 4, 1), "010-6500-0200") == [Entitlement("merit", TODAY + timedelta(days=30))]
    with pytest.raises(Exception, match="unknown kinds"):
        call("POST", entitlements.endpoint() + "/_control/people", {**person, "entitlements": {"vip": 1}})
    # made-up sign-ups, when asked: anyone is found, entitled by age only
    assert verify("아무개", date(1950, 1, 1), "010-9999-0000") == []
    registry.set_knobs({"match_anyone": True})
    assert [e.kind for e in verify("아무개", date(1950, 1, 1), "010-9999-0000")] == ["senior"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "김영자 530214-2345678"), ("phone", "5302142345678"), ("consent", "530214 - 2345678")],
)
def test_a_resident_registration_number_is_refused_wherever_it_is_put(
    registry: EntitlementStandIn, field: str, value: str
) -> None:
    args = {"name": "김영자", "birth": date(1953, 2, 14), "phone": "010-6500-0001", "consent": "c-1"} | {field: value}
    with pytest.raises(EntitlementError) as exc:
        verify(args["name"], args["birth"], args["phone"], args["consent"])  # type: ignore[arg-type]
    assert exc.value.code == "resident_number_refused" and registry.served == []


def test_consent_is_required(registry: EntitlementStandIn) -> None:
    with pytest.raises(EntitlementError) as exc:
        verify("김영자", date(1953, 2, 14), "010-6500-0001", consent="")
    assert exc.value.code == "consent_required"
    with pytest.raises(Exception, match="consent") as raw:
        call("POST", entitlements.endpoint() + "/v1/entitlements/verifications", {"name": "김영자"}, headers=_auth())
    assert getattr(raw.value, "code", "") == "consent_required"


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {entitlements.api_key()}"}


@override_settings(SEOUL_METRO_ENTITLEMENTS_TIMEOUT=0.3)
def test_a_busy_or_slow_service_is_asked_again_then_given_up_on(registry: EntitlementStandIn) -> None:
    registry.fail_next = 2  # busy twice, the third try answers
    assert [e.kind for e in verify("이준호", date(1985, 7, 9), "010-6500-0002")] == ["disabled"]
    registry.fail_next = 3
    with pytest.raises(EntitlementError) as exc:
        verify("이준호", date(1985, 7, 9), "010-6500-0002")
    assert exc.value.code == "unavailable" and exc.value.status == 503
    registry.people[("이준호", date(1985, 7, 9), "01065000002")].delay = 0.6  # slower than the client waits
    with override_settings(SEOUL_METRO_ENTITLEMENTS_ATTEMPTS=1), pytest.raises(EntitlementError) as exc:
        verify("이준호", date(1985, 7, 9), "010-6500-0002")
    assert exc.value.code == "timeout"


def test_the_service_wants_its_api_key(registry: EntitlementStandIn) -> None:
    with override_settings(SEOUL_METRO_ENTITLEMENTS_API_KEY="wrong"), pytest.raises(EntitlementError) as exc:
        verify("김영자", date(1953, 2, 14), "010-6500-0001")
    assert exc.value.code == "unauthorized"
