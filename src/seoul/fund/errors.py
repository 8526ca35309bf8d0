"""The fund's refusals, in words a person reads."""

from django.utils.translation import gettext_lazy as _

from seoul.core.errors import ErrorCode


class FundError(ErrorCode):
    CITIZENS_ONLY = "fund.citizens_only", _("Start-ups apply with a citizen's own account, signed in.")
    CALL_CLOSED = "fund.call_closed", _("This call for proposals is not taking applications now.")
    SECTOR_NOT_IN_CALL = "fund.sector_not_in_call", _("This call is not for that sector.")
    STAGE_NOT_IN_CALL = "fund.stage_not_in_call", _("This call is not for start-ups at that stage.")
    BRN_FORMAT = (
        "fund.brn_format",
        _("A business registration number has 10 digits, e.g. 123-45-67890."),
    )
    BRN_CHECK = (
        "fund.brn_check",
        _("This business registration number's last digit does not match: check it for a typing error."),
    )
    ALREADY_APPLIED = "fund.already_applied", _("This start-up has already applied to this call.")
    TICKET = "fund.ticket", _("For this stage and instrument the fund gives from %(lo)s to %(hi)s.")
    NO_TICKET = "fund.no_ticket", _("The fund does not offer this instrument at this stage.")
    TEAM_REQUIRED = "fund.team_required", _("Name at least one member of the team and their role.")
    DECK_NOT_PDF = "fund.deck_not_pdf", _("The pitch deck must be a PDF file.")
    DECK_TOO_BIG = "fund.deck_too_big", _("The pitch deck is larger than %(mb)s MB.")
    DECK_EMPTY = "fund.deck_empty", _("The pitch deck file is empty.")
    DECK_MISSING = "fund.deck_missing", _("The pitch deck file could not be found in the store.")
    NEEDS_STAFF = "fund.needs_staff", _("This needs the operator role of the start-up fund.")
    NEEDS_ADMIN = "fund.needs_admin", _("This needs the administrator role of the start-up fund.")
    NOT_MEMBER = (
        "fund.not_member",
        _("Only members of the investment committee holding the approver role may do this."),
    )
    NOT_PRESENT = "fund.not_present", _("You are not recorded as present at this meeting.")
    WRONG_STATE = "fund.wrong_state", _("This application is %(state)s: that cannot be done now.")
    REASON_REQUIRED = "fund.reason_required", _("Say why.")
    CHECK_FAILED = "fund.check_failed", _("Every check must pass before the committee sees the application.")
    MEETING_REQUIRED = "fund.meeting_required", _("Choose the committee meeting that will consider it.")
    MEETING_DECIDED = (
        "fund.meeting_decided",
        _("The committee has decided on every application of this meeting: attendance cannot change now."),
    )
    ALREADY_DECLARED = "fund.already_declared", _("You have already declared your interest in this application.")
    DECLARE_FIRST = "fund.declare_first", _("Declare whether you have a conflict of interest first.")
    CONFLICTED = "fund.conflicted", _("You declared a conflict of interest: you do not score this application.")
    ALREADY_SCORED = "fund.already_scored", _("You have already scored this application.")
    SCORE_RANGE = "fund.score_range", _("Give from 0 to %(scale)s points.")
    NO_QUORUM = (
        "fund.no_quorum",
        _("The quorum is not met: %(counted)s members present without a conflict, %(needed)s needed."),
    )
    NOT_ALL_SCORED = "fund.not_all_scored", _("%(count)s member(s) present have not scored yet.")
    BELOW_PASS_MARK = (
        "fund.below_pass_mark",
        _("The committee's score %(score)s is below the pass mark %(mark)s: an investment cannot be approved."),
    )
    TERM_BOUND = "fund.term_bound", _("Give a value from %(lo)s to %(hi)s.")
    TERM_REQUIRED = "fund.term_required", _("This instrument needs this term.")
    TRANCHE_SUM = "fund.tranche_sum", _("The tranches add up to %(total)s, not the amount %(amount)s.")
    TRANCHE_COUNT = "fund.tranche_count", _("Give from 1 to %(max)s tranches.")
    TRANCHE_ORDER = "fund.tranche_order", _("Each tranche's due date must not come before the previous one's.")
    TRANCHE_AMOUNT = "fund.tranche_amount", _("A tranche's amount must be more than 0 won.")
    NOT_YOURS = "fund.not_yours", _("This is not your start-up's application.")
    TRANCHE_STATE = "fund.tranche_state", _("This tranche is %(state)s: that cannot be done now.")
    KPI_QUARTER = "fund.kpi_quarter", _("Report a quarter that has ended since the investment.")
    DATE_RANGE = "fund.date_range", _("Enter a date from %(earliest)s to %(latest)s.")
    OVER_BUDGET = (
        "fund.over_budget",
        _("The fund has %(remaining)s left to commit: this amount is more than that."),
    )
    INSTRUMENT_NOT_IN_CALL = "fund.instrument_not_in_call", _("This call does not offer that instrument.")
    CALL_CODE_FORMAT = (
        "fund.call_code_format",
        _("A call's code has lower-case letters, digits and hyphens only, e.g. 2027-green."),
    )
    CALL_CODE_TAKEN = "fund.call_code_taken", _("Another call already has this code.")
    CALL_SECTORS = "fund.call_sectors", _("Choose at least one of the fund's sectors.")
    CALL_STAGES = "fund.call_stages", _("Choose at least one of the fund's stages.")
    CALL_INSTRUMENTS = "fund.call_instruments", _("Choose at least one instrument.")
    CALL_DATES = "fund.call_dates", _("The closing date must not come before the opening date.")
    CALL_BUDGET = "fund.call_budget", _("A call's budget must be more than 0 won.")
    CALL_OVER_ALLOCATION = (
        "fund.call_over_allocation",
        _("The sectors of this call have %(remaining)s left to commit: the budget cannot be more than that."),
    )
    CALL_LOCKED = (
        "fund.call_locked",
        _("Start-ups have already applied to this call: it can no longer be changed."),
    )
    CALL_ALREADY_CLOSED = "fund.call_already_closed", _("This call is already closed.")
    MEMBER_INSTITUTION = (
        "fund.member_institution",
        _("Members of the investment committee are staff of the fund's manager, %(manager)s."),
    )
    MEMBER_DECIDING = (
        "fund.member_deciding",
        _(
            "This member has declared or scored on an application the committee has not decided yet: "
            "end the membership once it is decided."
        ),
    )
    MEMBER_SAT = (
        "fund.member_sat",
        _("%(names)s already declared or scored at this meeting and cannot be taken off it."),
    )
    MEETING_IN_PAST = (
        "fund.meeting_in_past",
        _("A meeting is set for today or a later day: one already held cannot be added."),
    )
    MEETING_HELD = (
        "fund.meeting_held",
        _("This meeting has already been held: who sits on it can no longer change."),
    )
    EVIDENCE_NOT_PDF = "fund.evidence_not_pdf", _("The evidence file must be a PDF.")
    EVIDENCE_TOO_BIG = "fund.evidence_too_big", _("The evidence file is larger than %(mb)s MB.")
    EVIDENCE_EMPTY = "fund.evidence_empty", _("The evidence file is empty.")
    EVIDENCE_ON_RETURN = (
        "fund.evidence_on_return",
        _("Attach an evidence file only when you verify the milestone."),
    )
    EVIDENCE_MISSING = "fund.evidence_missing", _("The evidence file could not be found in the store.")
