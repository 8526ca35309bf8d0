"""What the audit log records of the start-up fund, and why fund staff open a start-up's file
(the reason asked before personal data, ADR 12)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from seoul.core.personal_data import Purpose


class FundEvent(models.TextChoices):
    CALL_OPENED = "fund.call.opened", _("Call for proposals published")
    CALL_CHANGED = "fund.call.changed", _("Call for proposals changed")
    CALL_CLOSED = "fund.call.closed", _("Call for proposals closed early")
    APPLIED = "fund.application.applied", _("Start-up applied to the fund")
    SCREENING_STARTED = "fund.application.screening", _("Screening of a start-up's application started")
    SCREENED = "fund.application.screened", _("Start-up's application screened")
    APPLICATION_VIEWED = "fund.application.viewed", _("Start-up's application opened by fund staff")
    DECK_DOWNLOADED = "fund.deck.downloaded", _("Pitch deck downloaded")
    EVIDENCE_DOWNLOADED = "fund.evidence.downloaded", _("Milestone evidence file downloaded")
    MEETING_SET = "fund.meeting.set", _("Investment committee meeting set up")
    MEMBER_SET = "fund.member.set", _("Investment committee membership changed")
    DECLARED = "fund.declaration.made", _("Conflict-of-interest declaration made")
    SCORED = "fund.score.given", _("Committee member's scores given")
    DECIDED = "fund.decision.made", _("Investment committee decision recorded")
    DECISION_REFUSED = "fund.decision.refused", _("Decision refused: the quorum was not met")
    EVIDENCE_SENT = "fund.milestone.evidence", _("Milestone evidence sent by the start-up")
    MILESTONE_VERIFIED = "fund.milestone.verified", _("Milestone verified by fund staff")
    TRANCHE_PAID = "fund.tranche.paid", _("Tranche paid")
    KPI_REPORTED = "fund.kpi.reported", _("Quarterly KPIs reported")
    VALUATION_RECORDED = "fund.valuation.recorded", _("Valuation recorded")
    DISTRIBUTION_RECORDED = "fund.distribution.recorded", _("Distribution recorded")
    DASHBOARD_EXPORTED = "fund.dashboard.exported", _("Fund dashboard downloaded as CSV")


class FundPurpose(Purpose):
    SCREENING = "fund.screening", _("Screening the start-up's application")
    COMMITTEE = "fund.committee", _("Preparing or holding the investment committee")
    MONITORING = "fund.monitoring", _("Monitoring an investee: milestones, tranches and KPIs")
    INQUIRY = "fund.inquiry", _("Answering the start-up's own question or complaint")
