"""Shapes of what the guarantee API takes and gives (django-ninja / pydantic), with the real
constraints, so the OpenAPI document states them and every payload is checked against them
before an action sees it. The bank webhook action checks its raw body against the same
:class:`BankEvent` (the signature covers the bytes, so the action parses them itself)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ninja import Schema
from pydantic import AwareDatetime, Field, field_validator

from seoul.core.schemas import Text
from seoul.core.validation import today

MAX_WON = 10**12  # 1조 원: far above any guarantee or loan


class ProductOut(Schema):
    code: str = Field(description="the product's code, e.g. emergency_covid")
    name_ko: str
    name_en: str
    coverage: float = Field(ge=0, le=1, description="share of the loan the guarantee covers")
    fee_rate: float = Field(ge=0, le=0.1, description="yearly fee on the guaranteed part")
    max_amount: int = Field(ge=0, le=MAX_WON, description="won")
    min_amount: int = Field(ge=0, le=MAX_WON, description="won")
    min_months: int = Field(ge=0, description="months in business at least")
    max_months: int | None = Field(ge=0, description="months in business at most (null: no limit)")


class BankEvent(Schema):
    """One event of the partner bank about a guarantee certificate. Unknown ``type``s are kept
    and ignored (a bank may add events); fields a type does not use may be left out."""

    event_id: Text(max_length=64, min_length=1)  # type: ignore[valid-type]
    type: Text(max_length=40, min_length=1)  # type: ignore[valid-type]
    certificate_number: Text(max_length=24, min_length=1)  # type: ignore[valid-type]
    bank_reference: Text(max_length=40) = ""  # type: ignore[valid-type]
    loan_id: Text(max_length=40) = ""  # type: ignore[valid-type]
    amount: int | None = Field(default=None, ge=1, le=MAX_WON, description="won lent (loan.executed)")
    executed_at: AwareDatetime | None = Field(default=None, description="when the loan was paid out (loan.executed)")
    reason: Text(max_length=200, multiline=True) = ""  # type: ignore[valid-type]
    # The loan's life after the payout (loan.repaid, loan.prepaid, loan.arrears, loan.cured,
    # loan.defaulted): numbered per loan from 2 (the payout is 1), applied in that order.
    seq: int | None = Field(default=None, ge=1, le=100_000, description="the event's number in the loan's life")
    on: date | None = Field(default=None, description="the day it happened")
    principal: int = Field(default=0, ge=0, le=MAX_WON, description="principal repaid, won")
    interest: int = Field(default=0, ge=0, le=MAX_WON, description="interest paid, won")
    days_overdue: int = Field(default=0, ge=0, le=10_000, description="loan.arrears: days overdue")
    maturity: date | None = Field(default=None, description="loan.extended: the loan's new term")

    @field_validator("executed_at")
    @classmethod
    def _sane(cls, value: datetime | None) -> datetime | None:
        if value is not None and not date(2020, 1, 1) <= value.date() <= today() + timedelta(days=1):
            raise ValueError("must be from 2020-01-01 to today")
        return value


class WebhookOut(Schema):
    outcome: str = Field(
        description="what the event did: accepted, rejected, loan_recorded, duplicate, loan_already_recorded, "
        "unknown_certificate, refused_in_state_<state>, ignored"
    )


class GatewayEvent(Schema):
    """One event of the payment gateway about a guarantee fee payment: ``payment.paid``,
    ``payment.declined`` or ``payment.failed`` (others are kept and ignored)."""

    event_id: Text(max_length=64, min_length=1)  # type: ignore[valid-type]
    type: Text(max_length=40, min_length=1)  # type: ignore[valid-type]
    payment_id: Text(max_length=64, min_length=1)  # type: ignore[valid-type]
    order_id: Text(max_length=64, min_length=1)  # type: ignore[valid-type]
    status: Text(max_length=20) = ""  # type: ignore[valid-type]
    amount: int = Field(ge=1, le=MAX_WON, description="won")
    decline_code: Text(max_length=40) = ""  # type: ignore[valid-type]
    paid_at: AwareDatetime | None = Field(default=None, description="when the payment was made (payment.paid)")


class GatewayWebhookOut(Schema):
    outcome: str = Field(
        description="what the event did: paid, declined, failed, already_paid, duplicate, unknown_payment, "
        "other_attempt, amount_mismatch, paid_after_withdrawal, ignored"
    )
