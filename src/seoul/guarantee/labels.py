"""The words for the guarantee service's codes: document kinds and fields, screening reasons,
document problems, checklist items, banks and providers. Pages show these, never the codes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

PROVIDERS = [("kakao", _("Kakao")), ("naver", _("Naver")), ("pass", _("PASS")), ("toss", _("Toss"))]

BUSINESS_CONSENT_TEXT = _(
    "I consent to the Seoul Credit Guarantee Foundation fetching the business registration certificate of this "
    "number from the National Tax Service, to confirm that I am the business's representative."
)
DOCUMENTS_CONSENT_TEXT = _(
    "I consent to the Seoul Credit Guarantee Foundation fetching my VAT tax-base certificate, national and local "
    "tax payment certificates and my credit report from the issuing public bodies for this application only."
)
# A company (법인) consents to its further documents being fetched as well.
COMPANY_BUSINESS_CONSENT_TEXT = _(
    "I consent to the Seoul Credit Guarantee Foundation fetching the business registration certificate of this "
    "number from the National Tax Service and the company's corporate registration from the court registry, to "
    "confirm that I am a representative director of the company."
)
COMPANY_DOCUMENTS_CONSENT_TEXT = _(
    "I consent to the Seoul Credit Guarantee Foundation fetching the company's VAT tax-base certificate, national "
    "and local tax payment certificates, shareholder register and financial statements of the last fiscal year, "
    "and my credit report, from the issuing public bodies for this application only."
)


def business_consent_text(*, company: bool) -> Any:
    """What the applicant consents to at the business step (a company: its corporate registration too)."""
    return COMPANY_BUSINESS_CONSENT_TEXT if company else BUSINESS_CONSENT_TEXT


def documents_consent_text(*, company: bool) -> Any:
    """What the applicant consents to at the documents step (a company: its shareholder register
    and financial statements too)."""
    return COMPANY_DOCUMENTS_CONSENT_TEXT if company else DOCUMENTS_CONSENT_TEXT


OTHER_REASON = _("Another screening rule.")
RENEWAL_CONSENT_TEXT = _(
    "I ask the Seoul Credit Guarantee Foundation to extend the guarantee of this loan, and consent to it fetching "
    "my business registration certificate, national and local tax payment certificates and my credit report "
    "again to check the extension only."
)
COMPANY_RENEWAL_CONSENT_TEXT = _(
    "I ask the Seoul Credit Guarantee Foundation to extend the guarantee of this loan, and consent to it fetching "
    "the company's business registration certificate, corporate registration, national and local tax payment "
    "certificates, credit report and last financial statements again to check the extension only."
)


def renewal_consent_text(*, company: bool) -> Any:
    """What the owner consents to when asking for an extension (a company: its corporate
    registration and financial statements too)."""
    return COMPANY_RENEWAL_CONSENT_TEXT if company else RENEWAL_CONSENT_TEXT


#: Why an extension is refused or comes with a condition (``engine/renewal.REFUSALS`` and ``CONDITIONS``).
RENEWAL_REASONS = {
    "not_renewable": _("This product's loans are repaid at their term and not extended."),
    "window_not_open": _("An extension can be asked for from %(opens)s, %(days)s days before the loan's term."),
    "past_term": _("The loan's term has passed: talk to the bank about repaying it."),
    "max_extensions": _("The loan has been extended as many times as the product allows."),
    "loan_not_active": _("Only a loan being repaid normally is extended (not one in arrears, defaulted or repaid)."),
    "business_closed": _("The business registration says the business has closed."),
    "tax_arrears": _("The tax payment certificates show unpaid national or local tax."),
    "credit_score": _("The credit score is below the product's minimum."),
    "claim_behind": _("The business owes the foundation a claim and is not keeping a repayment plan for it."),
    "company_not_in_force": _("The corporate registration says the company is dissolved or in liquidation."),
    "statements_unsound": _(
        "The company's financial statements do not balance or are not for its last fiscal year: file them, then ask again."
    ),
    "capital_impaired": _(
        "The company's capital is fully impaired (total equity of zero or less): an extension needs a full review at a "
        "branch of the foundation."
    ),
    "recent_arrears": _("The loan was in arrears in the last %(months)s months: part of it is repaid first."),
}

DOCUMENT_KINDS = {
    "business_registration": _("Business registration certificate"),
    "vat_tax_base": _("VAT tax-base certificate"),
    "national_tax_payment": _("National tax payment certificate"),
    "local_tax_payment": _("Local tax payment certificate"),
    "credit_report": _("Credit report"),
    "corporate_registration": _("Corporate registration"),
    "shareholder_register": _("Shareholder register"),
    "financial_statements": _("Financial statements"),
}

# Fields of fetched documents (the public-data document service), as examiners read them.
DOCUMENT_FIELDS = {
    "document_no": _("Document number"),
    "issued_on": _("Issued on"),
    "brn": _("Business registration number"),
    "business_name": _("Business"),
    "representative": _("Representative"),
    "opened_on": _("Opened on"),
    "address": _("Address"),
    "industry": _("Industry"),
    "status": _("Business status"),
    "prior_closure": _("Closed a business before"),
    "sales_by_year": _("Sales by year"),
    "arrears": _("Tax arrears"),
    "score": _("Credit score"),
    "guarantee_balance": _("Guarantees outstanding"),
    "corporate_no": _("Corporate registration number"),
    "company_name": _("Company name"),
    "head_office": _("Head office"),
    "incorporated_on": _("Incorporated on"),
    "total_shares": _("Shares issued"),
    "fiscal_year": _("Fiscal year"),
    "revenue": pgettext_lazy("financial statements", "Revenue"),
    "operating_profit": _("Operating profit"),
    "total_assets": _("Total assets"),
    "total_liabilities": _("Total liabilities"),
    "total_equity": _("Total equity"),
}
BUSINESS_STATUS = {
    "active": _("Operating"),
    "suspended": _("Suspended"),
    "closed": _("Closed"),
    # a company's, on its corporate registration
    "in_force": _("In existence"),
    "dissolved": _("Dissolved"),
    "liquidation": _("In liquidation"),
}
MONEY_FIELDS = frozenset(
    {"guarantee_balance", "revenue", "operating_profit", "total_assets", "total_liabilities", "total_equity"}
)

# Screening reason codes (engine/screening.py) in words, for applicants and examiners.
REASON_LABELS = {
    "site_not_in_seoul": _("The business site is not in Seoul."),
    "business_closed": _("The business is closed."),
    "too_few_months_in_business": _("The business is too young for this guarantee."),
    "too_many_months_in_business": _("The business is too old for this guarantee."),
    "credit_score_below_minimum": _("The credit score is below 595."),
    "tax_arrears": _("There are unpaid taxes."),
    "excluded_industry": _("The industry is not covered by this guarantee."),
    "no_prior_closure": _("This guarantee is for businesses restarting after a closure."),
    "guarantee_balance_at_maximum": _("The existing guarantees already reach the maximum."),
    "amount_below_minimum": _("The amount is below this guarantee's minimum."),
    "amount_above_limit": _("The amount is above the limit."),
    "credit_score_unknown": _("No credit report."),
    "sales_unknown": _("No sales figures."),
    "documents_uploaded": _("Documents were uploaded, not fetched."),
    "risk_above_threshold": _("Risk above the auto-approval threshold."),
    "amount_above_auto_limit": _("Amount above the auto-approval limit."),
    "product_not_in_effect": _("This guarantee is not taking applications now."),
    "site_outside_product_districts": _("This guarantee is only for businesses in some districts of Seoul."),
    "industry_excluded_by_product": _("This guarantee does not cover the business's industry."),
    "credit_score_below_product_minimum": _("The credit score is below this guarantee's minimum."),
    "pool_used_up": _("The budget of this guarantee is used up: no new guarantees for now."),
    "claim_with_foundation_unpaid": _(
        "The business owes the foundation what it paid the bank after a default, and is not repaying it by an "
        "agreed plan. Call the foundation to agree a plan you can keep."
    ),
    "claim_with_foundation_restart_only": _(
        "After a default, the business can have only the restart guarantee (재도전), while it keeps its repayment "
        "plan with the foundation."
    ),
    "restart_programme_not_completed": _(
        "This guarantee is given after a restart education and consulting programme: complete one in the "
        "small-business programmes first."
    ),
    "large_group_affiliate": _(
        "The company belongs to a large enterprise group (상호출자제한기업집단): the foundation's guarantees are "
        "for small businesses."
    ),
    "capital_impaired": _("The company's total equity is zero or less (완전자본잠식)."),
    "large_group_shareholder": _(
        "A shareholder belongs to a large enterprise group: an examiner checks whether the group controls the company."
    ),
}

# Problems of a document (engine/documents.py) in words.
PROBLEM_LABELS = {
    "missing": _("Missing."),
    "duplicate": _("The same document came twice."),
    "no_issue_date": _("It has no valid issue date."),
    "issued_in_future": _("Its issue date is in the future."),
    "stale": _("Issued more than a month ago."),
    "invalid_brn": _("The business registration number on it is not valid."),
    "brn_mismatch": _("Issued for another business registration number."),
    "business_name_mismatch": _("The business names on your documents do not match."),
    "representative_mismatch": _("The representatives named on your documents do not match."),
    "invalid_value": _("It states something that cannot be right (a date or an amount out of range)."),
    "invalid_corporate_no": _("The corporate registration number on it is not valid."),
    "corporate_no_mismatch": _("It is the corporate registration of another company."),
    "company_name_mismatch": _("The company's name differs from the one on the business registration."),
    "company_not_in_force": _("The company is dissolved or in liquidation: it cannot apply."),
    "no_chief_executive": _("It names no representative director."),
    "shares_do_not_add_up": _("The shares held do not add up to the shares issued."),
    "statements_do_not_balance": _("Total assets are not equal to total liabilities plus total equity."),
    "fiscal_year_not_recent": _("It is not for the last fiscal year or the one before."),
}

# Checklist items (engine/checklist.py) that are not a document problem or a screening reason.
ITEM_LABELS = {
    ("brn", "missing"): _("Business registration number: not answered."),
    ("business", "not_confirmed"): _("Confirm that you represent the business."),
    ("product", "missing"): _("Guarantee: not chosen."),
    ("amount", "missing"): _("Amount: not answered."),
    ("amount", "amount_out_of_range"): _("Amount: outside what this guarantee lends."),
    ("amount", "amount_above_limit"): _("Amount: above the limit your documents allow."),
    ("bank", "missing"): _("Bank: not chosen."),
    ("phone", "missing"): _("Mobile number: not answered."),
}

# What each step of the journey is called (the "change" links' hidden context, the checklist).
STEP_LABELS = {
    "brn": _("Business registration number"),
    "business": _("Business"),
    "documents": _("Documents"),
    "product": _("Guarantee"),
    "amount": _("Amount"),
    "bank": _("Bank"),
    "phone": _("Mobile number"),
    "email": _("E-mail"),
}


# Why the payment gateway did not take the guarantee fee, in words (its decline codes).
DECLINE_REASONS = {
    "card_declined": _("The card company declined the payment."),
    "do_not_honor": _("The card company declined the payment."),
    "insufficient_funds": _("There is not enough money or credit on the card."),
    "card_expired": _("The card has expired."),
    "limit_exceeded": _("The payment is above the card's limit."),
    "card_company_unreachable": _("The payment service could not reach the card company."),
}
DECLINED_OTHERWISE = _("The payment was not completed.")


def decline_words(code: str) -> Any:
    return DECLINE_REASONS.get(code, DECLINED_OTHERWISE)


def item_words(step: str, code: str, kind: str = "") -> str:
    """One checklist item in words: what is wrong and with which answer or document."""
    if kind:
        return f"{DOCUMENT_KINDS.get(kind, _('Document'))}: {PROBLEM_LABELS.get(code, PROBLEM_LABELS['invalid_value'])}"
    if (step, code) in ITEM_LABELS:
        return str(ITEM_LABELS[(step, code)])
    if code in REASON_LABELS:
        return str(REASON_LABELS[code])
    return str(STEP_LABELS.get(step, step))


def reason_words(codes: list[str]) -> list[tuple[str, Any]]:
    """Screening reason codes with their words (unknown codes in general words, never raw)."""
    return [(code, REASON_LABELS.get(code, OTHER_REASON)) for code in codes]
