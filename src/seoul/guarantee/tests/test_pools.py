"""Budget pools (issue 18): an approved guarantee commits its product's pool, a withdrawal or a
bank's decline gives it back, and a used-up pool closes intake — at screening, on the product
choice, and again under the pool's lock when the approval commits."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from seoul.core.models import AuditEvent, User
from seoul.guarantee import actions, selectors
from seoul.guarantee.actions import pools
from seoul.guarantee.engine.catalogue import catalogue
from seoul.guarantee.models import BudgetPool, PoolCommitment
from seoul.guarantee.tests.builders import certificate, confirmed, deliver, submitted

FUND = catalogue().pools["emergency_2020"].amount  # 500 bn won

pytestmark = pytest.mark.django_db


def _committed() -> int:
    return BudgetPool.objects.get(code="emergency_2020").committed


def test_an_approval_commits_the_pool_and_a_withdrawal_gives_it_back(citizen: User, docs_service: Any) -> None:
    app = submitted(citizen, docs_service)  # 10 M won of the emergency guarantee, fully covered
    assert app.state == "approved" and app.product == "emergency_covid"
    held = PoolCommitment.objects.get(application=app)
    assert held.amount == app.screening["guaranteed_amount"] == 10_000_000 and held.released_at is None
    assert _committed() == 10_000_000 and BudgetPool.remaining_for("emergency_covid") == FUND - 10_000_000
    assert BudgetPool.remaining_for("regular") is None  # no pool
    actions.withdraw(app, actor=citizen)
    held.refresh_from_db()
    assert held.released_at is not None and _committed() == 0
    events = list(
        AuditEvent.objects.filter(target_id=str(app.pk), event__startswith="guarantee.pool")
        .order_by("at", "id")
        .values_list("event", flat=True)
    )
    assert events == ["guarantee.pool.committed", "guarantee.pool.released"]


def test_a_bank_decline_gives_the_commitment_back(citizen: User, docs_service: Any, bank: Any) -> None:
    cert = certificate(citizen, docs_service)
    assert _committed() == 10_000_000
    deliver({"event_id": "evt-no", "type": "certificate.rejected", "certificate_number": cert.number})
    assert _committed() == 0
    assert PoolCommitment.objects.get(application=cert.application).released_at is not None


def test_a_used_up_pool_refuses_at_screening_and_on_the_product_choice(citizen: User, docs_service: Any) -> None:
    BudgetPool.objects.create(code="emergency_2020", committed=FUND - 5_000_000)
    app = submitted(citizen, docs_service)  # needs 10 M, 5 M left
    assert app.state == "rejected" and "pool_used_up" in app.screening["reasons"]
    assert not PoolCommitment.objects.exists() and _committed() == FUND - 5_000_000
    BudgetPool.objects.filter(code="emergency_2020").update(committed=FUND - 500_000)  # less than the minimum
    again = confirmed(citizen)  # a new application of the same business, the first one rejected
    choices = {c.product.code: c.reasons for c in selectors.product_choices(again, timezone.localdate())}
    assert "pool_used_up" in choices["emergency_covid"] and "pool_used_up" not in choices["regular"]


def test_the_commit_checks_the_pool_again_under_its_lock(citizen: User, docs_service: Any) -> None:
    app = submitted(citizen, docs_service)
    PoolCommitment.objects.filter(application=app).delete()  # as if approved while another took the rest
    BudgetPool.objects.filter(code="emergency_2020").update(committed=FUND - 9_999_999)
    with pytest.raises(ValidationError) as refused:
        pools.commit(app)
    assert "10,000,000" in str(refused.value) and "9,999,999" in str(refused.value)
    assert _committed() == FUND - 9_999_999 and not PoolCommitment.objects.filter(application=app).exists()
    BudgetPool.objects.filter(code="emergency_2020").update(committed=FUND - 10_000_000)
    assert pools.commit(app) is not None and _committed() == FUND
    assert pools.commit(app) is not None and _committed() == FUND  # once
