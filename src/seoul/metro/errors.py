"""What the metro service's actions refuse, with the words a person reads (``core.errors``).

Per-item reports of the batch APIs carry these codes too (``code`` next to ``reason``), so a
gate controller can act on the code whatever the language of the reason.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from seoul.core.errors import ErrorCode


class MetroError(ErrorCode):
    # who may do what
    NEEDS_ROLE = "metro.needs_role", _("This needs the %(role)s role of the metro service.")
    NOT_METRO_STAFF = (
        "metro.not_metro_staff",
        _(
            "Fare disputes are handled by Seoul Metro (서울교통공사) staff; your account belongs to another institution."
        ),
    )
    NOT_OPERATOR_STAFF = (
        "metro.not_operator_staff",
        _("Operator reports are for Seoul Metro (서울교통공사) staff; your account belongs to another institution."),
    )
    REPORT_PERIOD = (
        "metro.report_period",
        _("Choose a period of at most %(days)s days whose end is not before its start."),
    )
    NOT_YOUR_JOURNEY = "metro.not_your_journey", _("You can only dispute your own journeys.")
    NOT_YOUR_PASS = "metro.not_your_pass", _("You can only buy a pass for your own rider account.")
    NO_RIDER = "metro.no_rider", _("This account has no metro rider profile.")
    # batches of gate events and tagless windows (per item)
    BATCH_TOO_LARGE = "metro.batch_too_large", _("At most %(limit)d items per batch (got %(count)d).")
    UNKNOWN_GATE = "metro.unknown_gate", _("Unknown gate %(gate)s.")
    NOT_TAGLESS_GATE = "metro.not_tagless_gate", _("Gate %(gate)s has no tagless lanes.")
    UNKNOWN_RIDER = "metro.unknown_rider", _("Unknown rider account %(rider)s.")
    CONFLICT = "metro.conflict", _("Already received with different content.")
    NOT_STORED = "metro.not_stored", _("Could not be stored; send it again.")
    LANE_RANGE = "metro.lane_range", _("This gate has lanes 0 to %(last)d.")
    BEACON_RANGE = "metro.beacon_range", _("This gate has beacons 0 to %(last)d.")
    ANCHOR_RANGE = "metro.anchor_range", _("This gate has UWB anchors 0 to %(last)d.")
    DERIVED_EVENT = "metro.derived_event", _("The passage could not be recorded: %(reason)s")
    # disputes
    DISPUTE_REASON_SHORT = "metro.dispute_reason_short", _("Describe what went wrong in at least 5 characters.")
    DISPUTE_ALREADY_OPEN = "metro.dispute_already_open", _("This journey already has an open dispute.")
    DISPUTE_TOO_OLD = "metro.dispute_too_old", _("Charges can be disputed within 8 weeks of the journey.")
    DISPUTE_TOO_MANY = (
        "metro.dispute_too_many",
        _("At most %(limit)d requests in 30 days; call the customer centre for more."),
    )
    NOTHING_TO_DISPUTE = "metro.nothing_to_dispute", _("Nothing is left to refund on this journey.")
    DISPUTE_RESOLVED = "metro.dispute_resolved", _("This dispute is already resolved.")
    REFUND_RANGE = "metro.refund_range", _("The refund must be between 0 and %(room)s.")
    RESOLUTION_SHORT = "metro.resolution_short", _("Explain the decision to the rider in at least 5 characters.")
    # passes
    PASS_MONTH = "metro.pass_month", _("Choose a first day from today to 4 days from now.")
    PASS_VARIANT = "metro.pass_variant", _("Choose one of the Climate Card types.")
    PASS_YOUNG_ADULT = (
        "metro.pass_young_adult",
        _("The young adults' price needs a verified age in the band; choose the standard card."),
    )
    PASS_OVERLAP = "metro.pass_overlap", _("You already hold a Climate Card for some of these days.")
    PASS_NONE = "metro.pass_none", _("You have no Climate Card in use to renew.")
    PASS_RENEW_EARLY = "metro.pass_renew_early", _("A Climate Card can be renewed from 5 days before it ends.")
    PASS_ENDED = "metro.pass_ended", _("This Climate Card has ended; it can no longer be refunded.")
    # corrections of incomplete journeys by the rider
    CORRECTION_NOT_INCOMPLETE = "metro.correction_not_incomplete", _("Only an incomplete journey can be completed.")
    CORRECTION_TOO_OLD = "metro.correction_too_old", _("Journeys can be completed within 8 weeks.")
    CORRECTION_DONE = "metro.correction_done", _("This journey was already completed once.")
    CORRECTION_STATION = "metro.correction_station", _("Choose a station that can be reached from this journey.")
    CORRECTION_TIME = (
        "metro.correction_time",
        _("Give a time within 5 hours of the recorded tap, before your next one and not in the future."),
    )
    # rider accounts (actions/riders.py)
    TERMS_REQUIRED = "metro.terms_required", _("Agree to the terms of service to sign up.")
    BIRTH_DATE_RANGE = "metro.birth_date_range", _("Enter your date of birth (after 1900, not in the future).")
    TOO_YOUNG = (
        "metro.too_young",
        _("Under %(age)d a parent or guardian has to agree; please sign up at a station's customer centre."),
    )
    PAYMENT_MODE = "metro.payment_mode", _("Choose prepaid balance or postpaid card.")
    PHONE_TAKEN = "metro.phone_taken", _("This mobile number already has an account: sign in with it instead.")
    NOT_YOUR_ACCOUNT = "metro.not_your_account", _("You can only change your own rider account.")
    TOO_MANY_DEVICES = "metro.too_many_devices", _("At most %(limit)d phones per account: replace one instead.")
    NO_SUCH_DEVICE = "metro.no_such_device", _("That phone is not one of your live phones.")
    DEVICE_REASON = "metro.device_reason", _("Say whether the phone was lost or replaced.")
    # money (actions/money.py)
    GATEWAY_UNAVAILABLE = (
        "metro.gateway_unavailable",
        _("The card company's service is not answering. Nothing was charged; try again in a few minutes."),
    )
    NO_SUCH_CARD_SESSION = "metro.no_such_card_session", _("This card registration was not started from your account.")
    CARD_DECLINED = "metro.card_declined", _("The card company declined this card. Try another card.")
    NO_CARD = "metro.no_card", _("Register a payment card first.")
    NOT_PREPAID = "metro.not_prepaid", _("Top-ups are for prepaid accounts; postpaid journeys are paid daily.")
    TOP_UP_AMOUNT = "metro.top_up_amount", _("Top up in steps of %(step)s won.")
    TOP_UP_LIMIT = "metro.top_up_limit", _("A balance may hold at most %(limit)s won.")
    NOTHING_OWED = "metro.nothing_owed", _("Your account owes nothing.")
    # fare lookups
    UNKNOWN_STATION = "metro.unknown_station", _("Unknown station. Did you mean: %(names)s?")
    NO_SURCHARGE_TABLE = (
        "metro.no_surcharge_table",
        _("Sinbundang line fares in our data start on %(day)s: choose a later boarding time."),
    )
    # scheduled jobs
    FUTURE_DAY = "metro.future_day", _("%(day)s is after today: nothing to roll up.")
    NOT_AN_HOUR = "metro.not_an_hour", _("%(hour)s is not the start of an hour with a time zone.")
    HOUR_NOT_ENDED = "metro.hour_not_ended", _("The hour from %(hour)s has not ended yet.")
    # smart train: sensor batches (per item) and work orders
    NOT_MAINTENANCE_STAFF = (
        "metro.not_maintenance_staff",
        _("Train maintenance is for Seoul Metro (서울교통공사) staff; your account belongs to another institution."),
    )
    UNKNOWN_SENSOR = "metro.unknown_sensor", _("Unknown sensor %(sensor)s for this device.")
    READING_NOT_NUMBER = "metro.reading_not_number", _("The value must be a finite number.")
    READING_RANGE = (
        "metro.reading_range",
        _("The value %(value)s is outside what this sensor can measure (%(low)s to %(high)s)."),
    )
    READING_TIME = "metro.reading_time", _("The time must be within the last %(days)d days and not in the future.")
    READING_REPEATED = "metro.reading_repeated", _("Another reading of this sensor in the batch has the same time.")
    ORDER_STEP = "metro.order_step", _("This work order is %(status)s: that step is not possible now.")
    FINDING_NOTE = "metro.finding_note", _("Describe what the inspection found in at least 5 characters.")
    SENSOR_DEVICE_REASON = (
        "metro.sensor_device_reason",
        _("Say why the device's token is stopped (lost, stolen, replaced) in at least 5 characters."),
    )
    SENSOR_DEVICE_REVOKED = "metro.sensor_device_revoked", _("This device's token is already stopped.")
