"""Every write of the metro service, one module per use-case family (as Zulip's ``zerver/actions``):

- ``ingest``: gate events from gate controllers and bus rides, accepted once by event id;
- ``tagless``: tagless beacon windows, decided by the detector into gate events or flagged passages;
- ``journeys``: journeys rebuilt from a rider's events and the ledger reconciled (``ledger``: postings);
- ``disputes``: fare disputes opened by riders and resolved by Seoul Metro staff;
- ``passes``: 30-day passes (기후동행카드): buy, renew, refund;
- ``corrections``: a rider completes one of their own incomplete journeys;
- ``jobs``: the scheduled jobs (open entries, revenue and gate-activity roll-ups);
- ``congestion``: measured train departures pulled from the departures feed into the store, and
  the gate entries counted per station and minute;
- ``maintenance``: smart train: sensor batches scored into alerts and work orders, taken by staff to a finding.

Each action takes the acting person as the keyword-only ``actor`` and checks their permission
and scope itself (``access``); ``actor=None`` is the platform's own work (scheduled jobs, demo data).
The public names are importable from here: ``from seoul.metro import actions; actions.ingest_events(...)``.
"""

from seoul.metro.actions.congestion import PullResult, count_entries, pull_departures
from seoul.metro.actions.corrections import correct_journey
from seoul.metro.actions.disputes import open_dispute, resolve_dispute
from seoul.metro.actions.ingest import IngestResult, ingest_events
from seoul.metro.actions.jobs import close_open_entries, roll_up_gate_hours, roll_up_revenue
from seoul.metro.actions.journeys import maximum_fare, rebuild_rider
from seoul.metro.actions.maintenance import (
    ReadingsResult,
    acknowledge,
    close_order,
    ingest_readings,
    register_device,
    reissue_device_token,
    revoke_device,
    start_inspection,
    sweep_silent,
)
from seoul.metro.actions.passes import buy_pass, pass_months, pass_starts, refund_pass, renew_pass
from seoul.metro.actions.tagless import WindowResult, ingest_windows
from seoul.metro.schemas import MAX_BATCH, MAX_READINGS, MAX_WINDOWS

__all__ = [
    "MAX_BATCH",
    "MAX_READINGS",
    "MAX_WINDOWS",
    "IngestResult",
    "PullResult",
    "ReadingsResult",
    "WindowResult",
    "acknowledge",
    "buy_pass",
    "close_open_entries",
    "close_order",
    "correct_journey",
    "count_entries",
    "ingest_events",
    "ingest_readings",
    "ingest_windows",
    "maximum_fare",
    "open_dispute",
    "pass_months",
    "pass_starts",
    "pull_departures",
    "rebuild_rider",
    "refund_pass",
    "register_device",
    "reissue_device_token",
    "renew_pass",
    "resolve_dispute",
    "revoke_device",
    "roll_up_gate_hours",
    "roll_up_revenue",
    "start_inspection",
    "sweep_silent",
]
