"""The business service's refusals, in words a person reads."""

from django.utils.translation import gettext_lazy as _

from seoul.core.errors import ErrorCode


class BusinessError(ErrorCode):
    CITIZENS_ONLY = "business.citizens_only", _("Business profiles are for citizens signed in with their own account.")
    CONSENT_REQUIRED = "business.consent_required", _("Tick the box to agree before your profile is built.")
    NOT_REPRESENTATIVE = (
        "business.not_representative",
        _(
            "The guarantee service does not know you as the representative of this business. Check the number, or "
            "confirm your business in a guarantee application first."
        ),
    )
    NOT_IN_SEOUL = "business.not_in_seoul", _("The programmes are for businesses whose site is in Seoul.")
    NO_OPENING = "business.no_opening", _("The business registration does not say when the business opened.")
    PROFILE_EXISTS = "business.profile_exists", _("You already have a profile of this business: refresh it instead.")
    NOT_OPEN = "business.programme_not_open", _("This programme is not taking applications now.")
    NOT_ELIGIBLE = "business.not_eligible", _("Your business does not meet this programme's rules: %(why)s")
    ALREADY_APPLIED = (
        "business.already_applied",
        _("Your business has already applied for this programme (%(reference)s)."),
    )
    WRONG_STATE = "business.wrong_state", _("This application is %(state)s: that cannot be done now.")
    NEEDS_OFFICER = "business.needs_officer", _("This needs the operator role of the business service.")
    NOT_YOUR_PROGRAMME = "business.not_your_programme", _("You are not an officer of this programme.")
    NEEDS_ADMIN = (
        "business.needs_admin",
        _("Assigning programme officers needs the administrator role of the business service."),
    )
    OTHER_INSTITUTION = (
        "business.other_institution",
        _("A programme officer must work for the programme's institution and hold a role in the business service."),
    )
    SCORE_RANGE = "business.score_range", _("Give from 0 to %(weight)s points.")
    NOT_ALL_SCORED = (
        "business.not_all_scored",
        _("Score every applicant first: %(count)s still wait for the officer's assessment."),
    )
    NO_APPLICANTS = "business.no_applicants", _("Nobody has applied yet.")
    ALREADY_SELECTED = "business.already_selected", _("The selection of this programme was made on %(day)s.")
    DATE_RANGE = "business.date_range", _("Give a day between the selection and today.")
    REASON_REQUIRED = "business.reason_required", _("Say why the business did not complete the programme.")
