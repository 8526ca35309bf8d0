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
    RIDER_SIGNED_UP = "metro.rider.signed_up", _("Rider signed up")
    CONSENT_GIVEN = "metro.consent.given", _("Consent given")
    CONSENT_WITHDRAWN = "metro.consent.withdrawn", _("Consent withdrawn")
    DEVICE_ADDED = "metro.device.added", _("Phone added for tagless gates")
    DEVICE_REPLACED = "metro.device.replaced", _("Phone replaced (old token revoked)")
    ENTITLEMENTS_VERIFIED = "metro.entitlements.verified", _("Free-travel entitlements verified")
    CARD_REGISTERED = "metro.card.registered", _("Payment card registered")
    TOP_UP_ASKED = "metro.top_up.asked", _("Top-up asked")
    DEBT_PAYMENT_ASKED = "metro.debt.asked", _("Payment of an unpaid balance asked")
    PAYMENT_SETTLED = "metro.payment.settled", _("Card payment completed")
    PAYMENT_DECLINED = "metro.payment.declined", _("Card payment declined")
    DENY_LISTED = "metro.deny.listed", _("Account put on the deny list")
    DENY_CLEARED = "metro.deny.cleared", _("Account taken off the deny list")
    SETTLEMENT_RUN = "metro.settlement.run", _("Daily settlement run")
    RECONCILED = "metro.gateway.reconciled", _("Gateway report reconciled")
    REPORT_EXPORTED = "metro.report.exported", _("Operator report exported")
    SENSOR_DEVICE_REGISTERED = "metro.sensor_device.registered", _("Train sensor device registered")
    SENSOR_DEVICE_REVOKED = "metro.sensor_device.revoked", _("Train sensor device's token revoked")
    SENSOR_DEVICE_REISSUED = "metro.sensor_device.reissued", _("Train sensor device given a new token")


class MetroPurpose(Purpose):
    """Why staff of this service open a person's data (asked before the page shows it)."""

    DISPUTE = "metro.dispute", _("Handling the rider's fare dispute")
    RIDER_REQUEST = "metro.rider_request", _("Answering the rider's question or complaint")
    LEGAL = "metro.legal", _("A request under the law (a court or an investigative body)")
