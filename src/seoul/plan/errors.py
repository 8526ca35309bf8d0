"""What the plan service refuses, with the words a person reads (``core.errors``).

Actions raise ``PlanError.X.error(field)`` (a ValidationError: the request cannot be done as it
is) or ``PlanError.X.denied()`` (a PermissionDenied: this person may not do it); pages show them
on the form through ``core.flow``, the API as 422/403 with the code as the error's ``type``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from seoul.core.errors import ErrorCode


class PlanError(ErrorCode):
    # who may change what
    NEEDS_OPERATOR = (
        "plan.needs_operator",
        _("Projects are registered and reported on by operators of the plan service."),
    )
    OTHER_INSTITUTION = (
        "plan.other_institution",
        _("This project belongs to %(institution)s. Only its own staff or the city's plan office can change it."),
    )
    # what is looked up by its code
    UNKNOWN_VISION = "plan.unknown_vision", _("There is no vision %(code)s: the plan has visions 1 to 5.")
    UNKNOWN_INSTITUTION = "plan.unknown_institution", _("There is no institution with the code %(code)s.")
    NO_PROJECT = "plan.no_project", _("There is no project with the code %(code)s.")
    # amounts and statuses
    AMOUNT_RANGE = "plan.amount_range", _("Enter an amount in won from 0 to %(max)s.")
    QUANTITY_RANGE = "plan.quantity_range", _("Enter a whole number from 0 to %(max)s.")
    NUMBER_RANGE = "plan.number_range", _("Enter a number smaller than %(max)s, with at most 4 decimal places.")
    UNKNOWN_STATUS = "plan.unknown_status", _("Choose one of the statuses offered.")
    QUANTITY_WITHOUT_UNIT = "plan.quantity_without_unit", _("Give the unit of the quantity.")
    # KPIs and milestones
    KPI_NAME_TAKEN = "plan.kpi_name_taken", _("This project already has a KPI named “%(name)s”.")
    MILESTONE_DONE = "plan.milestone_done", _("This milestone was already marked done on %(day)s.")
