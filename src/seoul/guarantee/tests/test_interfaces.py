"""The guarantee service's published interface (``interfaces.py``): what it tells the
representative of a business, and that it tells nobody else anything."""

from __future__ import annotations

from typing import Any

import pytest

from seoul.core.models import User
from seoul.guarantee import interfaces
from seoul.guarantee.tests import builders

pytestmark = pytest.mark.django_db


def test_the_representative_reads_the_record_of_their_business(citizen: User, docs_service: Any) -> None:
    user = builders.identify(citizen)
    docs_service.register(builders.profile(address="서울특별시 마포구 월드컵로 1", industry="retail"))
    builders.draft(user)
    assert interfaces.businesses_of(user) == [interfaces.BusinessRef("220-01-62515", "한강공방")]
    found = interfaces.business_record(user, "2200162515")
    assert found is not None
    assert (found.brn, found.business_name, found.district, found.industry) == (
        "220-01-62515",
        "한강공방",
        "마포구",
        "retail",
    )
    assert found.industry_name_en == "Retail" and found.in_seoul and not found.closed
    assert sorted(found.sales_by_year.values()) == [190_000_000, 200_000_000]
    assert found.tax_arrears is False
    assert [(f.status, f.product) for f in found.files] == [("draft", "emergency_covid")]


def test_nobody_else_learns_anything(citizen: User, make_user: Any, docs_service: Any) -> None:
    user = builders.identify(citizen)
    docs_service.register(builders.profile())
    builders.confirmed(user)
    stranger = builders.identify(make_user(kind=User.Kind.CITIZEN, institution=None), builders.STRANGER)
    assert interfaces.business_record(stranger, builders.GOOD_BRN) is None
    assert interfaces.businesses_of(stranger) == []
    assert interfaces.business_record(user, "not a number") is None


def test_a_paid_out_loan_comes_with_its_repayment_standing(citizen: User, docs_service: Any, bank: Any) -> None:
    from seoul.guarantee import actions
    from seoul.guarantee.models import Loan

    cert = builders.certificate(citizen, docs_service)
    assert actions.send_certificate(cert, builders.CALLBACK) == "sent"
    builders.wait_for(lambda: len(bank.captured) == 2)
    for _url, body, headers in bank.captured:
        actions.receive_webhook(body, signature=headers["X-Bank-Signature"])
    loan = Loan.objects.get(certificate=cert)
    record = interfaces.business_record(citizen, builders.GOOD_BRN)
    assert record is not None
    (paid,) = [f for f in record.files if f.status == "paid_out"]
    assert (paid.loan_amount, paid.loan_status) == (loan.amount, "active")
    Loan.objects.filter(pk=loan.pk).update(status=Loan.Status.ARREARS)
    record = interfaces.business_record(citizen, builders.GOOD_BRN)
    assert record is not None and [f.loan_status for f in record.files if f.status == "paid_out"] == ["arrears"]
