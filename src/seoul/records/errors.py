"""What the Electronic Document Center refuses, with the words a person reads (``core.errors``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from seoul.core.errors import ErrorCode


class RecordsError(ErrorCode):
    NOT_YOUR_DEPARTMENT = "records.not_your_department", _("You do not register records for this department.")
    OFFICERS_ONLY = "records.officers_only", _("Only a records officer may do this.")
    NOT_READY = "records.not_ready", _("This document is not ready to be registered.")
    ALREADY_REGISTERED = "records.already_registered", _("This record is already registered.")
    NOT_REGISTERED = "records.not_registered", _("This record is not registered.")
    EXEMPTION_NEEDED = (
        "records.exemption_needed",
        _(
            "A partly open or closed record names the exemption it relies on "
            "(Official Information Disclosure Act, Article 9(1), items 1 to 8)."
        ),
    )
    OPEN_WITHOUT_EXEMPTION = "records.open_without_exemption", _("An open record has no exemption.")
    COMPLETED_BEFORE_PRODUCED = (
        "records.completed_before_produced",
        _("The work cannot be completed before the record was produced."),
    )
    NOTHING_CHANGED = "records.nothing_changed", _("Nothing was changed.")
    FILE_REFUSED = "records.file_refused", _("%(name)s: %(reason)s")
    REVIEW_CLOSED = "records.review_closed", _("This review has already been carried out.")
    NOTHING_DUE = "records.nothing_due", _("No registered record's retention has ended; there is nothing to review.")
    COMMITTEE_FIRST = (
        "records.committee_first",
        _("Record the committee's meeting and minutes before its decisions."),
    )
    UNDECIDED = "records.undecided", _("The committee has not decided every record yet (%(n)s left).")
    REASON_NEEDED = "records.reason_needed", _("Give the committee's reason for keeping or re-classifying.")
    LONGER_PERIOD = (
        "records.longer_period",
        _("Keeping longer needs a period that ends later than the current one."),
    )
    PERIOD_NEEDED = "records.period_needed", _("Choose the new retention period.")
    SHARE_OWN_INSTITUTION = (
        "records.share_own_institution",
        _("Your own institution's staff find the record here; a link is for another institution."),
    )
    SHARE_DAYS = "records.share_days", _("A link works from 1 to %(days)s days.")
    SHARE_NOT_SHAREABLE = "records.share_not_shareable", _("Only a registered record with its files can be shared.")
    SHARE_GONE = "records.share_gone", _("This link has expired or was withdrawn. Ask the sender for a new one.")
    SHARE_NOT_FOR_YOU = (
        "records.share_not_for_you",
        _("This link was given to the staff of another institution; it does not open for your account."),
    )
    SHARE_ALREADY_REVOKED = "records.share_already_revoked", _("This link was already withdrawn.")
    NO_DOWNLOAD = (
        "records.no_download",
        _("A partly open or closed record is only viewed as page images here; it is never downloaded."),
    )
    CITIZENS_ONLY = "records.citizens_only", _("Requests for information are made from a citizen's account.")
    REQUEST_DECIDED = "records.request_decided", _("This request has already been decided.")
    EXTENDED_ONCE = "records.extended_once", _("The decision period can be extended only once (Article 11(2)).")
    EXTEND_BEFORE_DUE = "records.extend_before_due", _("The period can be extended only before it ends.")
    RECORD_NEEDED = "records.record_needed", _("Give the registration number of the record that holds the information.")
    RECORD_UNKNOWN = "records.record_unknown", _("No registered record with this number that you may see.")
    DECISION_NEEDS_GROUND = (
        "records.decision_needs_ground",
        _("A partial disclosure or a refusal names the items of Article 9(1) it relies on."),
    )
    DECISION_WITHOUT_GROUND = (
        "records.decision_without_ground",
        _("A full disclosure or a not-held answer relies on no item of Article 9(1)."),
    )
    BAD_BOXES = "records.bad_boxes", _("Areas to remove, line %(line)s: %(reason)s")
    NOTHING_REMOVED = (
        "records.nothing_removed",
        _("A partial disclosure removes something: mark areas or give words to remove."),
    )
