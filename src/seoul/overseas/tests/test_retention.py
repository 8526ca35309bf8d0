"""Retention: unsuccessful applications go after a year; a selected business's files and
identity after five years from the end of the round, the anonymous amounts staying."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from seoul.core import retention as core_retention
from seoul.core.models import User
from seoul.overseas import actions
from seoul.overseas.models import Application, Round, SubsidyClaim
from seoul.overseas.tests import builders

pytestmark = pytest.mark.django_db


def test_unsuccessful_applications_go_after_a_year_and_subsidy_records_after_five(
    round: Round, citizen: User, other_citizen: User, officer: User
) -> None:
    selected = builders.selected(round, citizen, officer)
    claim = actions.claim(
        selected,
        carrier="dhl",
        tracking_number="1234567890",
        ship_date=timezone.localdate(),
        destination="SG",
        cost_won=40_000,
        content=builders.PDF,
        file_name="dhl.pdf",
        actor=citizen,
    )
    actions.decide_claim(claim, approve=True, reason="", actor=officer)
    refused = builders.apply(round, other_citizen, brn=builders.OTHER_BRN)
    actions.score(refused, {"product": 1, "readiness": 1, "plan": 1}, actor=officer)
    actions.decide(refused, select=False, reason="Plan not concrete yet.", actor=officer)

    now = timezone.now()
    core_retention.run(now=now + timedelta(days=364))
    assert Application.objects.filter(pk=refused.pk).exists()
    core_retention.run(now=now + timedelta(days=366))
    assert not Application.objects.filter(pk=refused.pk).exists()
    assert Application.objects.filter(pk=selected.pk).exists()

    ended = timezone.make_aware(timezone.datetime.combine(round.runs_until, timezone.datetime.min.time()))
    core_retention.run(now=ended + timedelta(days=1825))
    assert bytes(SubsidyClaim.objects.get().content) == builders.PDF
    core_retention.run(now=ended + timedelta(days=1828))
    kept = SubsidyClaim.objects.get()
    assert bytes(kept.content) == b"" and kept.paid_won == 28_000  # the amount stays, the file goes
    app = Application.objects.get(pk=selected.pk)
    assert (app.applicant_id, app.brn, app.business_name) == (None, "", "—")
