"""The care service's refusals, in words a person reads."""

from django.utils.translation import gettext_lazy as _

from seoul.core.errors import ErrorCode


class CareError(ErrorCode):
    NEEDS_OPERATOR = (
        "care.needs_operator",
        _("Changing a facility's model needs the operator role of the care service."),
    )
    NEEDS_ADMIN = "care.needs_admin", _("Setting the unit costs needs the administrator role of the care service.")
    NEEDS_SCOPE_ADMIN = (
        "care.needs_scope_admin",
        _("Giving people districts or centres to see needs the administrator role of the care service."),
    )
    NOT_IN_SCOPE = "care.not_in_scope", _("This facility is not among the centres you work on.")
    DISTRICT_NOT_IN_SCOPE = (
        "care.district_not_in_scope",
        _("You may add facilities only in the districts you work on."),
    )
    NOT_A_READER = (
        "care.not_a_reader",
        _("This person needs a role in the care service (a staff account) before they are given districts or centres."),
    )
    MODEL_INVALID = "care.model_invalid", _("%(where)s: %(why)s")
    FILE_KIND = (
        "care.file_kind",
        _("Upload the model as a .json file in the platform's format or as an .ifc BIM model."),
    )
    FILE_TOO_LARGE = "care.file_too_large", _("The file is larger than %(limit)s MB.")
    NOT_JSON = "care.not_json", _("The file is not JSON: line %(line)s, column %(column)s: %(why)s")
    STALE_VERSION = (
        "care.stale_version",
        _("The model changed since this page was shown (now version %(number)s): look again before applying a change."),
    )
    UNKNOWN_CHANGE = "care.unknown_change", _("That change is not offered for this model any more.")
