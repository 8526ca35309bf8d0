"""What the hospital network refuses, with the words a person reads (``core.errors``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from seoul.core.errors import ErrorCode


class HospitalsError(ErrorCode):
    NOT_YOUR_HOSPITAL = "hospitals.not_your_hospital", _("You do not report for this hospital.")
    NOT_YOUR_REGION = "hospitals.not_your_region", _("This is outside the regions you coordinate.")
    # faults of a report (engine/report.py Fault), on the field they concern
    NEGATIVE = "hospitals.negative", _("Cannot be negative.")
    NOT_A_NUMBER = "hospitals.not_a_number", _("Must be a number.")
    OCCUPIED_OVER_TOTAL = "hospitals.occupied_over_total", _("More beds occupied than there are beds (%(limit)s).")
    STAFFED_OVER_TOTAL = "hospitals.staffed_over_total", _("More staffed beds than there are beds (%(limit)s).")
    AVAILABLE_OVER_FREE = (
        "hospitals.available_over_free",
        _("More beds available than are free: at most %(limit)s (beds minus occupied)."),
    )
    AVAILABLE_OVER_STAFFED = (
        "hospitals.available_over_staffed",
        _("A bed without staff is not available: at most %(limit)s (staffed beds minus occupied)."),
    )
    OVER_LICENSED = (
        "hospitals.over_licensed",
        _("The beds of the four tiers add up to more than the hospital's %(limit)s licensed beds."),
    )
    FORECAST_LENGTH = (
        "hospitals.forecast_length",
        _("Give the expected available beds for each of the next %(limit)s days."),
    )
    FORECAST_OVER_BEDS = (
        "hospitals.forecast_over_beds",
        _("More beds expected to be available than the hospital reports (%(limit)s)."),
    )
    NO_BEDS = "hospitals.no_beds", _("Report at least one kind of bed.")
    NOT_IN_SCOPE = "hospitals.not_in_scope", _("This patient is not in your scope.")
    NOT_WAITING = "hospitals.not_waiting", _("This patient is no longer waiting for a bed.")
    NOT_OFFERED_TO_YOU = "hospitals.not_offered_to_you", _("This bed was not offered to your hospital.")
    NOT_ADMITTED_HERE = "hospitals.not_admitted_here", _("This patient is not admitted at your hospital.")
    PROPOSAL_CLOSED = "hospitals.proposal_closed", _("This proposal has already been decided or replaced.")
    NO_BED_THERE = (
        "hospitals.no_bed_there",
        _("%(hospital)s has no free staffed bed of this tier or above for the patient's needs."),
    )
    TIER_TOO_LOW = "hospitals.tier_too_low", _("A patient is never put in a bed below their tier.")
    OWN_HOSPITAL = "hospitals.own_hospital", _("A hospital cannot lend to itself.")
    REQUEST_CLOSED = "hospitals.request_closed", _("This request is no longer open.")
    LOAN_NOT_OPEN = "hospitals.loan_not_open", _("This loan is not waiting for that step.")
    END_BEFORE_START = "hospitals.end_before_start", _("The end is before the start.")
    ADMINS_ONLY = "hospitals.admins_only", _("Only the hospital network's administrators keep the register.")
    PARTNERS_ONLY = (
        "hospitals.partners_only",
        _(
            "Register partner hospitals and community treatment centres here; city hospitals come from the reference data."
        ),
    )
    CODE_TAKEN = "hospitals.code_taken", _("Another hospital already has this code.")
    BOTH_COORDINATES = "hospitals.both_coordinates", _("Give both latitude and longitude, or neither.")
    ONE_PLACE = "hospitals.one_place", _("A post is at a hospital or at a region's control tower, not both.")
    DAY_OUT_OF_RANGE = "hospitals.day_out_of_range", _("A report is for today or an earlier day of the pandemic.")


def describe(fault: str, limit: float | None) -> str:
    """The words for one refused field of a report (``engine.report.Fault`` and its bound)."""
    return HospitalsError(f"hospitals.{fault}").message(limit="" if limit is None else f"{limit:g}")
