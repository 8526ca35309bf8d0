"""Who may do what in the metro service, whatever page, API or action they come through
(issue #11 §1: every object fetched by id goes through the reader's scope).

Decision (docs/metro-journeys.md "Who may do what"): fare disputes are handled by approvers of
서울교통공사, the institution that runs the service and pays the refunds, and by platform admins.
A metro approver role held by staff of another institution opens no dispute: the list, the
dispute page and the resolve action refuse them (403, audited).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from seoul.core.errors import Refused, codes_of
from seoul.core.models import AuditEvent, User
from seoul.core.testing import ReasonClient
from seoul.metro import actions
from seoul.metro.models import Dispute, Journey, Rider
from seoul.metro.tests import builders
from seoul.metro.tests.builders import CITY_HALL, SEOUL_STATION

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispute(gates: None) -> Dispute:
    """kim's dispute of a 서울역 → 시청 journey."""
    kim = builders.person("kim")
    builders.rider("phone-1", user=kim)
    journey = builders.journey("k1", "phone-1", SEOUL_STATION, CITY_HALL, builders.recent_boarding())
    d: Dispute = actions.open_dispute(journey, "게이트를 한 번 지났는데 두 번 청구되었습니다.", actor=kim)
    return d


def client_for(user: User, cls: type[Client] = Client) -> Client:
    c = cls("metro.dispute", "민원 2026-12 처리") if cls is ReasonClient else cls()
    c.force_login(user)
    return c


def test_approvers_of_another_institution_are_refused_everywhere(dispute: Dispute) -> None:
    outsider = builders.staff("city.approver", "approver", institution="CITY_HALL")
    c = client_for(outsider, ReasonClient)
    assert c.get("/metro/disputes/").status_code == 403
    assert c.get(f"/metro/disputes/{dispute.pk}/").status_code == 403
    assert (
        c.post(f"/metro/disputes/{dispute.pk}/", {"refund": 1550, "resolution": "환불합니다 전액"}).status_code == 403
    )
    with pytest.raises(Refused) as refused:
        actions.resolve_dispute(dispute, refund=1550, resolution="환불합니다 전액", actor=outsider)
    assert refused.value.code == "metro.not_metro_staff"
    dispute.refresh_from_db()
    assert dispute.status == "open"
    assert AuditEvent.objects.filter(event="authz.denied", actor=outsider).count() >= 3
    assert not AuditEvent.objects.filter(event="metro.rider.viewed", actor=outsider).exists()


def test_seoul_metro_approvers_handle_disputes(dispute: Dispute) -> None:
    approver = builders.staff("metro.approver", "approver")
    c = client_for(approver, ReasonClient)
    assert c.get("/metro/disputes/").status_code == 200
    r = c.post(f"/metro/disputes/{dispute.pk}/", {"refund": 0, "resolution": "게이트 기록상 한 번만 청구되었습니다."})
    assert r.status_code == 302, r.content[:500]
    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolved_by) == ("rejected", approver)


def test_viewers_and_operators_do_not_resolve(dispute: Dispute) -> None:
    viewer = builders.staff("metro.viewer", "viewer")
    with pytest.raises(Refused) as refused:
        actions.resolve_dispute(dispute, refund=0, resolution="안 됩니다 기각", actor=viewer)
    assert refused.value.code == "metro.needs_role"


def test_a_rider_reaches_only_their_own_journeys(dispute: Dispute) -> None:
    lee = builders.person("lee")
    builders.rider("phone-2", user=lee)
    journey = Journey.objects.get(key="k1-in")  # kim's
    c = client_for(lee)
    assert c.post(f"/metro/me/journeys/{journey.key}/dispute/", {"reason": "내 것이 아닌 이용 건"}).status_code == 404
    with pytest.raises(Refused) as refused:
        actions.open_dispute(journey, "내 것이 아닌 이용 건", actor=lee)
    assert refused.value.code == "metro.not_your_journey"
    assert Dispute.objects.count() == 1


def test_a_rider_buys_passes_only_for_themselves(gates: None) -> None:
    kim, lee = builders.person("kim"), builders.person("lee")
    kims = builders.rider("phone-1", user=kim)
    builders.rider("phone-2", user=lee)
    month = timezone.localdate().replace(day=1)
    with pytest.raises(PermissionDenied):
        actions.buy_pass(kims, month, actor=lee)
    with pytest.raises(ValidationError) as invalid:
        actions.buy_pass(kims, date(2020, 1, 1), actor=kim)
    assert codes_of(invalid.value) == ["metro.pass_month"]
    assert not kims.passes.exists()


def test_gate_events_need_a_metro_operator_even_when_called_directly(gates: None) -> None:
    builders.rider("phone-1")
    citizen = builders.person("kim")
    viewer = builders.staff("metro.viewer", "viewer")
    items = builders.journey_events("x", "phone-1", SEOUL_STATION, CITY_HALL, timezone.now() - timedelta(hours=1))
    for actor in (citizen, viewer):
        with pytest.raises(Refused):
            actions.ingest_events(items, actor=actor)
        with pytest.raises(Refused):
            actions.ingest_windows([], actor=actor)
        with pytest.raises(Refused):
            actions.roll_up_revenue([], actor=actor)
    assert not Journey.objects.exists()
    operator = builders.staff("gate.controller", "operator")
    assert actions.ingest_events(items, actor=operator).accepted == 2


def test_the_rider_api_shows_only_the_readers_own_data(dispute: Dispute) -> None:
    lee = builders.person("lee")
    Rider.objects.create(account="phone-2", user=lee)
    body = client_for(lee).get("/api/v1/metro/me/journeys").json()
    assert body == {"balance": 0, "journeys": []}
    assert Client().get("/api/v1/metro/me/journeys").status_code == 401
    assert client_for(builders.person("nobody")).get("/api/v1/metro/me/journeys").status_code == 404


def test_the_menu_offers_disputes_only_to_those_who_handle_them(gates: None) -> None:
    from seoul.metro import nav

    def offered(user: User) -> bool:
        return any(url == "/metro/disputes/" for _, url in nav.items(user))

    assert offered(builders.staff("metro.approver", "approver"))
    assert not offered(builders.staff("city.approver", "approver", institution="CITY_HALL"))
    assert not offered(builders.person("kim"))
