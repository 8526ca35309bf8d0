"""How long the metro service keeps movement data.

Gate events say where a person was and when. They and the journeys built from them are kept
for ``SEOUL_METRO_MOVEMENT_RETENTION_DAYS`` (default 400: a year of disputes and audits plus
a margin), except journeys with an open dispute. The ledger is a financial record and is not
personal movement data: its transactions keep only the journey key and amounts.
Flagged passages carry no rider and are kept 90 days for gate maintenance. Tagless windows
follow what they produced: a recorded passage (with its rider) lives as long as gate events,
a refused window (no rider) as long as flagged passages.

Train and track sensor readings (Parquet files by day, ``storage.py``) hold no personal data;
they are kept ``SEOUL_METRO_READINGS_RETENTION_DAYS`` (default 730: two winters and summers to
compare a bearing with itself), whole days at a time. Work orders keep their own evidence.
Measured train departures (per-car loads; counts only) are kept as long, by service day.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from seoul.core.engine.time import SEOUL
from seoul.core.retention import Policy
from seoul.metro import storage
from seoul.metro.models import BusRide, Dispute, FlaggedPassage, GateEvent, Journey, TaglessWindow

DAYS = int(getattr(settings, "SEOUL_METRO_MOVEMENT_RETENTION_DAYS", 400))
READINGS_DAYS = int(getattr(settings, "SEOUL_METRO_READINGS_RETENTION_DAYS", 730))


def _expired_journeys(cutoff: datetime) -> QuerySet[Journey]:
    disputed = Dispute.objects.filter(status=Dispute.Status.OPEN).values("journey_id")
    return Journey.objects.filter(started_at__lt=cutoff).exclude(pk__in=disputed)


def _movement_count(cutoff: datetime) -> int:
    return (
        GateEvent.objects.filter(at__lt=cutoff).count()
        + BusRide.objects.filter(alight_at__lt=cutoff).count()
        + TaglessWindow.objects.filter(at__lt=cutoff, rider__isnull=False).count()
    )


def _movement_purge(cutoff: datetime) -> dict[str, int]:
    journeys = _expired_journeys(cutoff)
    keep_events = Journey.objects.filter(Q(started_at__gte=cutoff) | Q(disputes__status=Dispute.Status.OPEN))
    kept = set(keep_events.values_list("entry_id", flat=True)) | set(keep_events.values_list("exit_id", flat=True))
    # Closed disputes go with their journey; the ledger keeps the amounts by journey key.
    Dispute.objects.filter(journey__in=journeys).delete()
    n_journeys, _ = journeys.delete()
    n_events, _ = GateEvent.objects.filter(at__lt=cutoff).exclude(pk__in=kept).delete()
    n_rides, _ = BusRide.objects.filter(alight_at__lt=cutoff).delete()
    n_windows, _ = TaglessWindow.objects.filter(at__lt=cutoff, rider__isnull=False).delete()
    return {"journeys": n_journeys, "gate_events": n_events, "bus_rides": n_rides, "tagless_windows": n_windows}


def _flag_count(cutoff: datetime) -> int:
    return (
        FlaggedPassage.objects.filter(at__lt=cutoff).count()
        + TaglessWindow.objects.filter(at__lt=cutoff, rider__isnull=True).count()
    )


def _flag_purge(cutoff: datetime) -> dict[str, int]:
    n_windows, _ = TaglessWindow.objects.filter(at__lt=cutoff, rider__isnull=True).delete()
    return {"flagged_passages": FlaggedPassage.objects.filter(at__lt=cutoff).delete()[0], "tagless_windows": n_windows}


def _expired_days(cutoff: datetime, base: Path | None = None) -> list[date]:
    """Days stored under ``base`` (default: the sensor readings') wholly before ``cutoff``."""
    last = cutoff.astimezone(SEOUL).date()
    return [d for d in storage.stored_days(base) if d < last]


def _readings_count(cutoff: datetime) -> int:
    return sum(storage.day_files(d) for d in _expired_days(cutoff))


def _readings_purge(cutoff: datetime) -> dict[str, int]:
    return {"sensor_reading_files": sum(storage.remove_day(d) for d in _expired_days(cutoff))}


def _departures_count(cutoff: datetime) -> int:
    base = storage.loads_root()
    return sum(storage.day_files(d, base) for d in _expired_days(cutoff, base))


def _departures_purge(cutoff: datetime) -> dict[str, int]:
    base = storage.loads_root()
    return {"departure_files": sum(storage.remove_day(d, base) for d in _expired_days(cutoff, base))}


POLICIES = [
    Policy(
        "movement",
        _("gate events and journeys (where and when a rider travelled)"),
        DAYS,
        _movement_count,
        _movement_purge,
        purpose=_(
            "to charge each journey correctly and to settle fare disputes and audits; a journey with an "
            "open dispute is kept until the dispute is decided"
        ),
    ),
    Policy(
        "flagged_passages",
        _("passages the tagless detector refused (no rider attached)"),
        90,
        _flag_count,
        _flag_purge,
        purpose=_("to find and repair gates that misread passages"),
    ),
    Policy(
        "sensor_readings",
        _("train and track sensor readings (no personal data)"),
        READINGS_DAYS,
        _readings_count,
        _readings_purge,
        purpose=_("to compare the signals of a part over the seasons and to review the alerts raised on them"),
    ),
    Policy(
        "measured_departures",
        _(
            "measured train departures with each car's load, and gate entries per station and minute (counts, no personal data)"
        ),
        READINGS_DAYS,
        _departures_count,
        _departures_purge,
        purpose=_("to learn the usual day of each station from measured loads and to publish the congestion of a day"),
    ),
]
