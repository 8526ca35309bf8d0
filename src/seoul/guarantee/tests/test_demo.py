from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import timezone

from seoul.core.models import User
from seoul.guarantee import demo, selectors
from seoul.guarantee.models import Application, Loan

pytestmark = pytest.mark.django_db


def test_demo_data_goes_through_the_real_paths(make_user: Callable[..., User]) -> None:
    make_user(kind=User.Kind.CITIZEN, institution=None, username="citizen")
    make_user(institution="SEOULSHINBO", roles={"guarantee": "operator"}, username="guarantee.examiner")
    assert demo.load() == {"applications": 7}
    states = sorted(Application.objects.values_list("state", flat=True))
    assert states == ["approved", "loan_executed", "loan_executed", "loan_executed", "referred", "referred", "referred"]
    assert Loan.objects.count() == 3
    loan = Loan.objects.get(
        certificate__application__applicant__username="citizen", certificate__application__product="emergency_covid"
    )
    near = Loan.objects.get(certificate__application__product="working_capital")
    offer = selectors.renewal_of(near, timezone.localdate())
    assert offer is not None and offer.can_ask and near.renewal_notice_term == near.term  # told once
    assert (loan.last_seq, loan.principal_repaid, loan.interest_paid) == (2, 0, 15_000_000 * 2 // 100 // 12)
    defaulted = Loan.objects.get(certificate__application__applicant__username="demo.shop4")
    assert (defaulted.status, defaulted.outstanding, defaulted.subrogation.status) == (
        "defaulted",
        9_500_000,
        "to_review",
    )
    assert Application.objects.get(applicant__username="demo.shop1").reviews.count() == 1
    assert demo.load() == {"applications": 7}  # a second run adds nothing
