"""Movement data from other services: the metro's completed journeys of a period, through
``metro.interfaces``, put on their trains and stored as presence."""

from __future__ import annotations

import logging
from datetime import datetime

from seoul.core import audit
from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.core.roles import Role
from seoul.core.validation import PANDEMIC_ERA, check_text
from seoul.metro import interfaces as metro
from seoul.tracing.actions._checks import need_role
from seoul.tracing.engine import ingest
from seoul.tracing.errors import TracingError
from seoul.tracing.events import TracingEvent
from seoul.tracing.models import movement_dir
from seoul.tracing.sources import geometry

log = logging.getLogger("seoul.tracing")


def import_metro_journeys(start: datetime, end: datetime, *, actor: User, reason: str) -> dict[str, int]:
    """Ask the metro service for the completed journeys whose entry lies in ``[start, end)``
    (through ``metro.interfaces``, which audits the disclosure on its side), put them on their
    trains and store them as movement data. A bulk disclosure: supervisors and admins only.
    Importing the same period again replaces the earlier import."""
    need_role(actor, Role.APPROVER)
    reason = check_text(reason, "reason", min_length=5, max_length=1000)
    for field, moment in (("since", start), ("until", end)):
        if moment.tzinfo is None:
            raise TracingError.NEEDS_TIME_ZONE.error(field)
        PANDEMIC_ERA.check(moment, field)
    if end <= start:
        raise TracingError.END_BEFORE_START.error("until")
    table = metro.journeys(start, end, actor=actor, reason=reason)
    tag = f"metro-{start.astimezone(SEOUL):%Y%m%d%H%M}-{end.astimezone(SEOUL):%Y%m%d%H%M}"
    result = ingest.import_journeys(geometry(), table, movement_dir(), tag=tag)
    counts = {"journeys": table.num_rows, "rides": result.accepted, "refused": len(result.errors)}
    audit.record(
        TracingEvent.METRO_JOURNEYS_IMPORTED,
        actor=actor,
        reason=reason,
        new={"start": start.isoformat(), "end": end.isoformat(), **counts},
        service="tracing",
    )
    for error in result.errors:
        log.warning("metro journey %s refused: %s", error.line, error.reason)
    return counts
