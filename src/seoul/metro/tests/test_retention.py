from __future__ import annotations

from datetime import timedelta

import pytest

from seoul.core import retention
from seoul.core.models import AuditEvent
from seoul.metro import actions
from seoul.metro import reference as metro_reference
from seoul.metro.models import Dispute, FlaggedPassage, GateEvent, Journey, LedgerTransaction, Rider
from seoul.metro.retention import DAYS
from seoul.metro.tests.test_ingest import NOW, T0, ev

pytestmark = pytest.mark.django_db


def test_movement_data_is_destroyed_after_its_period_and_audited(reference: None) -> None:
    metro_reference.load()
    Rider.objects.create(account="phone-1")
    actions.ingest_events(actor=None, items=[ev(1, "G-1-150", "entry", 0), ev(2, "G-1-151", "exit", 12)], now=NOW)
    actions.ingest_events(actor=None, items=[ev(3, "G-1-150", "entry", 60), ev(4, "G-1-151", "exit", 75)], now=NOW)
    disputed = Journey.objects.get(key="ev-3")
    Dispute.objects.create(journey=disputed, rider=disputed.rider, reason="still open")
    actions.ingest_events(
        actor=None,
        items=[{"event_id": "f1", "gate": "G-1-150", "kind": "flagged", "reason": "turn_back", "at": T0.isoformat()}],
        now=NOW,
    )

    just_before = T0 + timedelta(days=DAYS) - timedelta(minutes=1)
    first = {r["policy"]: r["deleted"] for r in retention.run(now=just_before)}
    assert first["movement"] == {"journeys": 0, "gate_events": 0, "bus_rides": 0, "tagless_windows": 0}
    assert first["flagged_passages"] == {"flagged_passages": 1, "tagless_windows": 0}  # 90 days, long gone

    later = T0 + timedelta(days=DAYS, hours=3)
    dry = retention.run(now=later, dry_run=True)
    assert Journey.objects.count() == 2  # a dry run deletes nothing
    assert next(r for r in dry if r["app"] == "metro" and r["policy"] == "movement")["would_delete"] == 4

    report = {r["policy"]: r["deleted"] for r in retention.run(now=later)}
    assert report["movement"] == {"journeys": 1, "gate_events": 2, "bus_rides": 0, "tagless_windows": 0}
    assert report["flagged_passages"] == {"flagged_passages": 0, "tagless_windows": 0}
    # The disputed journey and its events stay; the ledger keeps both charges.
    assert list(Journey.objects.values_list("key", flat=True)) == ["ev-3"]
    assert set(GateEvent.objects.values_list("event_id", flat=True)) == {"ev-3", "ev-4"}
    assert not FlaggedPassage.objects.exists()
    assert LedgerTransaction.objects.count() == 2
    destroyed = AuditEvent.objects.filter(event="core.data.destroyed")
    assert destroyed.count() == 2
    assert "retention period of" in destroyed.first().reason
