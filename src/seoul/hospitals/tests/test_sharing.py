"""Resource sharing: a request, an offer, the control tower's approval, the loan closed."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from seoul.hospitals import actions
from seoul.hospitals.actions.sharing import Need
from seoul.hospitals.models import Loan, Post, ResourceRequest
from seoul.hospitals.tests.conftest import Network

pytestmark = pytest.mark.django_db


def test_a_staff_loan_from_request_to_return(network: Network) -> None:
    wanted = actions.request_resource(
        network.smc, Need("staff", "중환자실 간호사", 4, network.today, network.today), actor=network.bed_smc
    )
    loan = actions.offer(wanted, network.seonam, 2, actor=network.bed_seonam)
    with pytest.raises(
        PermissionDenied
    ):  # Seonam is not SMC's region's... but SMC is north-east: the SW tower may not decide
        actions.decide_loan(loan, approve=True, actor=network.bed_seonam)
    actions.decide_loan(loan, approve=True, actor=network.tower_ne)
    loan.refresh_from_db()
    wanted.refresh_from_db()
    assert (loan.status, wanted.status) == ("on_loan", "open")  # 2 of 4 covered
    second = actions.offer(wanted, network.boramae, 2, actor=_boramae_manager(network))
    actions.decide_loan(second, approve=True, actor=network.city)
    wanted.refresh_from_db()
    assert wanted.status == ResourceRequest.Status.COVERED
    actions.close_loan(loan, consumed=False, actor=network.bed_smc)
    loan.refresh_from_db()
    assert loan.status == Loan.Status.RETURNED
    client = Client()
    client.force_login(network.viewer)
    ledger = client.get(f"/hospitals/sharing/ledger/{network.seonam.code}/")
    assert [item.pk for item in ledger.context["lent"]] == [loan.pk]


def _boramae_manager(network: Network):  # type: ignore[no-untyped-def]
    from seoul.core.models import ServiceRole, User

    user = User.objects.create_user(username="bed.brm", kind=User.Kind.STAFF)
    ServiceRole.objects.create(user=user, service="hospitals", role="operator")
    Post.objects.create(user=user, hospital=network.boramae)
    return user


def test_refusals(network: Network) -> None:
    wanted = actions.request_resource(network.smc, Need("supply", "KF94", 1000), actor=network.bed_smc)
    with pytest.raises(ValidationError):
        actions.offer(wanted, network.smc, 10, actor=network.bed_smc)  # a hospital does not lend to itself
    with pytest.raises(PermissionDenied):
        actions.offer(wanted, network.smc, 10, actor=network.bed_seonam)  # not Seonam's to offer SMC's stock
    with pytest.raises(ValidationError):
        actions.request_resource(
            network.smc,
            Need("staff", "nurses", 2, network.today, network.today.replace(year=network.today.year - 1)),
            actor=network.bed_smc,
        )


def test_the_sharing_page_runs_the_steps(network: Network) -> None:
    manager = Client()
    manager.force_login(network.bed_smc)
    sent = manager.post(
        "/hospitals/sharing/",
        {
            "do": "request",
            "kind": "equipment",
            "item": "인공호흡기",
            "quantity": "2",
            "start": "",
            "end": "",
            "note": "",
        },
    )
    assert sent.status_code == 302
    wanted = ResourceRequest.objects.get()
    lender = Client()
    lender.force_login(network.bed_seonam)
    assert lender.post("/hospitals/sharing/", {"do": "offer", "request": wanted.pk, "quantity": "2"}).status_code == 302
    loan = Loan.objects.get()
    tower = Client()
    tower.force_login(network.tower_ne)
    assert tower.post("/hospitals/sharing/", {"do": "approve", "loan": loan.pk}).status_code == 302
    loan.refresh_from_db()
    assert loan.status == "on_loan" and loan.decided_by == network.tower_ne


def test_the_sharing_page_finds_loans_only_through_the_readers_scope(network: Network) -> None:
    """A control tower of another sub-region (or a hospital that is neither party) posting a
    loan's number gets "not found", the same as for a loan that does not exist."""
    wanted = actions.request_resource(network.seonam, Need("supply", "KF94", 100), actor=network.bed_seonam)
    loan = actions.offer(wanted, network.smc, 50, actor=network.bed_smc)
    tower = Client()
    tower.force_login(network.tower_ne)  # Seonam is not in the north-east
    assert tower.post("/hospitals/sharing/", {"do": "approve", "loan": loan.pk}).status_code == 404
    loan.refresh_from_db()
    assert loan.status == Loan.Status.OFFERED
    actions.decide_loan(loan, approve=True, actor=network.city)
    outsider = Client()
    outsider.force_login(_boramae_manager(network))  # Boramae neither lent nor borrowed
    assert outsider.post("/hospitals/sharing/", {"do": "returned", "loan": loan.pk}).status_code == 404
    borrower = Client()
    borrower.force_login(network.bed_seonam)
    assert borrower.post("/hospitals/sharing/", {"do": "returned", "loan": loan.pk}).status_code == 302
    loan.refresh_from_db()
    assert loan.status == Loan.Status.RETURNED
