from django.db import models
from django.utils.translation import gettext_lazy as _


class MetroEvent(models.TextChoices):
    EVENTS_INGESTED = "metro.events.ingested", _("Gate events received")
    WINDOWS_INGESTED = "metro.windows.ingested", _("Tagless reading windows received")
    JOURNEYS_CHARGED = "metro.journeys.charged", _("Journey charges posted")
    DISPUTE_OPENED = "metro.dispute.opened", _("Fare dispute opened")
    DISPUTE_RESOLVED = "metro.dispute.resolved", _("Fare dispute resolved")
    PASS_BOUGHT = "metro.pass.bought", _("Pass bought")
    RIDER_VIEWED = "metro.rider.viewed", _("Rider journeys viewed")
    JOURNEYS_DISCLOSED = "metro.journeys.disclosed", _("Journeys disclosed to another service")
    RIDER_LOOKED_UP = "metro.rider.looked_up", _("Rider looked up by phone number")
