"""What the audit log records of the business service, and why programme staff open a business's
file (the reason asked before personal data, ADR 12)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from seoul.core.personal_data import Purpose


class BusinessEvent(models.TextChoices):
    PROFILE_BUILT = "business.profile.built", _("Business profile built with the representative's consent")
    PROFILE_REFRESHED = "business.profile.refreshed", _("Business profile refreshed from the guarantee service")
    PROFILE_DELETED = "business.profile.deleted", _("Business profile deleted by its representative")
    APPLIED = "business.application.applied", _("Applied for a life-cycle programme")
    WITHDRAWN = "business.application.withdrawn", _("Programme application withdrawn")
    SCORED = "business.application.scored", _("Programme application scored by an officer")
    SELECTED = "business.application.selected", _("Selected for a programme")
    NOT_SELECTED = "business.application.not_selected", _("Not selected for a programme")
    COMPLETED = "business.application.completed", _("Programme completion recorded")
    DROPPED = "business.application.dropped", _("Programme recorded as not completed")
    APPLICANT_VIEWED = "business.applicant.viewed", _("Programme applicant's business file opened")
    OFFICER_SET = "business.officer.set", _("Programme officer assigned or removed")
    OUTCOMES_TAKEN = "business.outcomes.taken", _("Programme outcomes taken from the profiles")


class BusinessPurpose(Purpose):
    SELECTION = "business.selection", _("Scoring and selecting the programme's applicants")
    DELIVERY = "business.delivery", _("Running the programme with a selected business and recording completion")
    INQUIRY = "business.inquiry", _("Answering the business's own question or complaint")
