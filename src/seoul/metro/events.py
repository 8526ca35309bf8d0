from django.db import models
from django.utils.translation import gettext_lazy as _

from seoul.core.personal_data import Purpose


class MetroEvent(models.TextChoices):
    EVENTS_INGESTED = "metro.events.ingested", _("Gate events received")
    WINDOWS_INGESTED = "metro.windows.ingested", _("Tagless reading windows received")
    JOURNEYS_CHARGED = "metro.journeys.charged", _("Journey charges posted")
    DISPUTE_OPENED = "metro.dispute.opened", _("Fare dispute opened")
    DISPUTE_RESOLVED = "metro.dispute.resolved", _("Fare dispute resolved")
    PASS_BOUGHT = "metro.pass.bought", _("Pass bought")
    PASS_REFUNDED = "metro.pass.refunded", _("Pass refunded")
    JOURNEY_CORRECTED = "metro.journey.corrected", _("Incomplete journey completed by the rider")
    RIDER_VIEWED = "metro.rider.viewed", _("Rider journeys viewed")
    JOURNEYS_DISCLOSED = "metro.journeys.disclosed", _("Journeys disclosed to another service")
    RIDER_LOOKED_UP = "metro.rider.looked_up", _("Rider looked up by phone number")


class MetroPurpose(Purpose):
    """Why staff of this service open a person's data (asked before the page shows it)."""

    DISPUTE = "metro.dispute", _("Handling the rider's fare dispute")
    RIDER_REQUEST = "metro.rider_request", _("Answering the rider's question or complaint")
    LEGAL = "metro.legal", _("A request under the law (a court or an investigative body)")
