"""The overseas-sales service's refusals, in words a person reads."""

from django.utils.translation import gettext_lazy as _

from seoul.core.errors import ErrorCode


class OverseasError(ErrorCode):
    CITIZENS_ONLY = "overseas.citizens_only", _("Applications are made by citizens signed in with their own account.")
    NOT_OPEN = "overseas.not_open", _("The programme takes applications from %(opens)s to %(closes)s.")
    BRN_FORMAT = "overseas.brn_format", _("Enter the 10 digits of the business registration number, like 123-45-67890.")
    BRN_CHECK = (
        "overseas.brn_check",
        _("This business registration number is not valid: check the digits on your registration certificate."),
    )
    ALREADY_APPLIED = "overseas.already_applied", _("This business has already applied in this round.")
    MARKETPLACE = "overseas.marketplace", _("Choose at least one marketplace of the programme.")
    COUNTRY = "overseas.country", _("%(country)s is not sold to by any marketplace you chose.")
    HS_CODE = "overseas.hs_code", _("%(why)s")
    NOT_YOURS = "overseas.not_yours", _("This is not your business's application.")
    WRONG_STATE = "overseas.wrong_state", _("This application is %(state)s: that cannot be done now.")
    NOT_SELECTED_YET = "overseas.not_selected_yet", _("This can be done once your business is selected.")
    NEEDS_OFFICER = "overseas.needs_officer", _("This needs the operator role of the overseas sales service.")
    NEEDS_APPROVER = (
        "overseas.needs_approver",
        _("Deciding a subsidy claim needs the approver role of the overseas sales service."),
    )
    SCORE_RANGE = "overseas.score_range", _("Give from 0 to %(weight)s points.")
    NOT_SCORED = "overseas.not_scored", _("Score the application on every criterion before deciding.")
    PLACES_FULL = "overseas.places_full", _("All %(places)s places of the round are taken.")
    REASON_REQUIRED = "overseas.reason_required", _("Say why, in a sentence the business will read.")
    LISTING_PROBLEMS = (
        "overseas.listing_problems",
        _("The listing still has %(count)s problems: fix them before sending it for review."),
    )
    LISTING_STATE = "overseas.listing_state", _("This listing is %(state)s: that cannot be done now.")
    TRANSLATED_BY = "overseas.translated_by", _("Say who wrote the text in the marketplace's language.")
    LISTING_ID = "overseas.listing_id", _("The %(name)s looks like %(example)s.")
    FILE_TYPE = "overseas.file_type", _("Upload a PDF, PNG or JPEG file.")
    FILE_SIZE = "overseas.file_size", _("The file is larger than %(max)s.")
    FILE_EMPTY = "overseas.file_empty", _("The file is empty.")
    CARRIER = "overseas.carrier", _("Choose one of the programme's carriers.")
    TRACKING = "overseas.tracking", _("A %(carrier)s tracking number looks like %(example)s.")
    SHIP_DATE = "overseas.ship_date", _("The shipment must be from the last %(days)s days and not after today.")
    DESTINATION = "overseas.destination", _("Ship to one of the countries your application targets.")
    COST_RANGE = "overseas.cost_range", _("Enter a shipping cost from %(min)s to %(max)s won.")
    ALREADY_CLAIMED = (
        "overseas.already_claimed",
        _("This receipt was already claimed on %(day)s (%(reference)s): a receipt is claimed once."),
    )
    CLAIM_STATE = "overseas.claim_state", _("This claim was already decided.")
    NO_CAP_LEFT = (
        "overseas.no_cap_left",
        _("Nothing is left of the business's subsidy cap this round: refuse the claim with that reason."),
    )
    SALES_FILE = "overseas.sales_file", _("The sales file was refused: %(why)s")
