from __future__ import annotations

from collections.abc import Callable

import pytest

from seoul.core.models import User
from seoul.guarantee import demo
from seoul.guarantee.models import Application, Loan

pytestmark = pytest.mark.django_db


def test_demo_data_goes_through_the_real_paths(make_user: Callable[..., User]) -> None:
    make_user(kind=User.Kind.CITIZEN, institution=None, username="citizen")
    make_user(institution="SEOULSHINBO", roles={"guarantee": "operator"}, username="guarantee.examiner")
    assert demo.load() == {"applications": 6}
    states = sorted(Application.objects.values_list("state", flat=True))
    assert states == ["approved", "loan_executed", "loan_executed", "referred", "referred", "referred"]
    assert Loan.objects.count() == 2
    loan = Loan.objects.get(certificate__application__applicant__username="citizen")
    assert (loan.last_seq, loan.principal_repaid, loan.interest_paid) == (2, 0, 15_000_000 * 2 // 100 // 12)
    defaulted = Loan.objects.get(certificate__application__applicant__username="demo.shop4")
    assert (defaulted.status, defaulted.outstanding, defaulted.subrogation.status) == (
        "defaulted",
        9_500_000,
        "to_review",
    )
    assert Application.objects.get(applicant__username="demo.shop1").reviews.count() == 1
    assert demo.load() == {"applications": 6}  # a second run adds nothing
