"""How long the fund keeps what start-ups send (our assumptions, docs/fund.md):

* An application not taken forward at screening or declined by the committee: 3 years
  (1,096 days) after the decision, then deleted with its pitch deck file, screening notes,
  declarations and scores; the audit log keeps who decided what.
* An investee's file (application, deck, tranches, KPIs, valuations): for the fund's life —
  kept while the fund runs; nothing here deletes it.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from seoul.core.retention import Policy
from seoul.fund import storage
from seoul.fund.models import Application

DECLINED_DAYS = 1096


def _declined(cutoff: datetime) -> QuerySet[Application]:
    return Application.objects.filter(
        state__in=(Application.States.SCREENED_OUT, Application.States.DECLINED), decided_at__lt=cutoff
    )


def _purge(cutoff: datetime) -> dict[str, int]:
    found = list(_declined(cutoff))
    decks = 0
    for app in found:
        if app.deck_key:
            storage.delete(app.deck_key)
            decks += 1
        app.screenings.all().delete()
        app.declarations.all().delete()
        app.scores.all().delete()
        if hasattr(app, "decision"):
            app.decision.delete()
    deleted = Application.objects.filter(pk__in=[a.pk for a in found]).delete()[1]
    return {"applications": deleted.get("fund.Application", 0), "decks": decks}


POLICIES = [
    Policy(
        "declined_applications",
        _("applications of start-ups not taken forward or declined, with their pitch decks"),
        DECLINED_DAYS,
        lambda cutoff: _declined(cutoff).count(),
        _purge,
        purpose=_(
            "so that the fund can answer a start-up's question or complaint about the decision, and an audit of "
            "the committee's work, for three years after it"
        ),
    ),
]
