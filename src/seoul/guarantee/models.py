"""Transactional state of the guarantee service.

An :class:`Application` moves through the one state machine in ``engine/states.py``; only
``actions`` change its ``state``. Business registration numbers and phone numbers are
encrypted at rest and found by blind index. A business has at most one application in
progress once its representative has been confirmed (a database constraint, so two tabs or
two accounts cannot make a second one). A certificate is unique per application and a loan
unique per certificate (database constraints, so no retry or duplicate webhook can make a
second one); bank webhooks are kept once by event id. The guarantee fee is paid (or waived)
before the certificate is issued: one :class:`Payment` per application, its gateway webhooks
kept once by event id too. Notifications are recorded as pending
in the transaction that decides them and sent after it commits.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seoul.core import attestations
from seoul.core.crypto import EncryptedTextField, blind_index
from seoul.core.models import Institution
from seoul.guarantee.engine import checklist as checklist_rules
from seoul.guarantee.engine import claims, loanbook
from seoul.guarantee.engine import documents as doc_rules
from seoul.guarantee.engine.catalogue import catalogue
from seoul.guarantee.engine.screening import Business, Facts
from seoul.guarantee.engine.states import OPEN, State


class Identity(models.Model):
    """A person signed in by simple authentication: keyed hashes of the provider's opaque
    subject and of the connecting identifier (CI), and the name the provider verified. The
    CI itself and any resident registration number are never stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guarantee_identities")
    provider = models.CharField(max_length=20)
    subject_index = models.CharField(max_length=64, unique=True)
    ci_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    name = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.provider}:{self.subject_index[:8]}"


class Application(models.Model):
    class States(models.TextChoices):
        DRAFT = State.DRAFT, _("Draft")
        SUBMITTED = State.SUBMITTED, _("Submitted")
        SCREENING = State.SCREENING, _("Screening")
        REFERRED = State.REFERRED, _("With an examiner")
        MORE_INFO = State.MORE_INFO, _("More information requested")
        APPROVED = State.APPROVED, _("Approved")
        REJECTED = State.REJECTED, _("Not approved")
        AGREEMENT_SIGNED = State.AGREEMENT_SIGNED, _("Agreement signed")
        CERTIFICATE_ISSUED = State.CERTIFICATE_ISSUED, _("Certificate sent to the bank")
        LOAN_EXECUTED = State.LOAN_EXECUTED, _("Loan paid out")
        BANK_DECLINED = State.BANK_DECLINED, _("Declined by the bank")
        WITHDRAWN = State.WITHDRAWN, _("Withdrawn")

    reference = models.CharField(max_length=20, unique=True)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="guarantee_files")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="guarantee_files")
    state = models.CharField(max_length=24, choices=States.choices, default=State.DRAFT, db_index=True)
    brn = EncryptedTextField(blank=True, default="")
    brn_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    business_name = models.CharField(max_length=100, blank=True)
    product = models.CharField(max_length=30, blank=True)
    amount = models.PositiveBigIntegerField(null=True, blank=True)  # what the applicant asked for
    approved_amount = models.PositiveBigIntegerField(null=True, blank=True)  # set when approved lower
    bank = models.CharField(max_length=30, blank=True)
    phone = EncryptedTextField(blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    email = EncryptedTextField(blank=True, default="")
    # the business registration, fetched first: the applicant is its representative
    business_consent_at = models.DateTimeField(null=True, blank=True)
    business_consent_text = models.TextField(blank=True)
    business_confirmed_at = models.DateTimeField(null=True, blank=True)
    # the tax and credit documents, fetched only after that
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_text = models.TextField(blank=True)
    documents_fetched = models.BooleanField(default=False)
    screening = models.JSONField(null=True, blank=True)
    lifecycle = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    referred_at = models.DateTimeField(null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    state_changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["brn_index"],
                condition=Q(business_confirmed_at__isnull=False, state__in=sorted(s.value for s in OPEN)),
                name="guarantee_one_open_application_per_business",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.brn_index = blind_index(self.brn, purpose="guarantee.brn") if self.brn else ""
        self.phone_index = blind_index(self.phone, purpose="guarantee.phone") if self.phone else ""
        super().save(*args, **kwargs)

    @property
    def loan_amount(self) -> int:
        """The amount the guarantee covers: the approved amount when an examiner approved less
        than was asked, else the amount asked."""
        return self.approved_amount if self.approved_amount is not None else (self.amount or 0)

    def fetched(self) -> list[dict[str, Any]]:
        """The documents fetched from the document service (their data), kind by kind."""
        return [d.data for d in self.documents.all() if d.source == Document.Source.FETCHED and d.data]

    def business(self, today: date) -> Business | None:
        """What the fetched registration certificate says about the business (None before)."""
        reg = next((d for d in self.fetched() if d.get("kind") == doc_rules.REGISTRATION), None)
        return doc_rules.business_from(reg, today) if reg is not None else None

    def facts(self, today: date) -> Facts | None:
        """The screening facts the fetched documents state, or None without a registration."""
        docs = self.fetched()
        f = doc_rules.facts_from(docs, today)
        if f["opened_on"] is None:
            return None
        complete = self.documents_fetched and not any(
            d.source == Document.Source.UPLOADED for d in self.documents.all()
        )
        return Facts(
            **f,
            documents_fetched=complete,
            claim_standing=claim_standing(self.brn_index, today),
            attested=attestations.about_business(self.brn) if self.brn else frozenset(),
        )

    def checklist(self, today: date, banks: frozenset[str]) -> list[checklist_rules.Item]:
        """Everything that must change before the application can be sent (``banks``: the
        bank codes that may be chosen)."""
        documents: dict[str, list[str]] = {}
        for d in self.documents.all():
            documents.setdefault(d.kind, []).extend(str(p.get("code", "")) for p in d.problems or [])
        draft = checklist_rules.Draft(
            brn=self.brn,
            business_confirmed=self.business_confirmed_at is not None,
            product=self.product,
            amount=self.amount,
            bank=self.bank if self.bank in banks else "",
            phone=self.phone,
            documents=documents,
            business=self.business(today),
            facts=self.facts(today),
        )
        return checklist_rules.checklist(draft, today)


class Document(models.Model):
    class Source(models.TextChoices):
        FETCHED = "fetched", _("Fetched with consent")
        UPLOADED = "uploaded", _("Uploaded")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=30)
    source = models.CharField(max_length=10, choices=Source.choices)
    issued_on = models.DateField(null=True, blank=True)
    data = models.JSONField(null=True, blank=True)
    content = models.BinaryField(null=True, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    file_name = models.CharField(max_length=120, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    problems = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-received_at"]

    def __str__(self) -> str:
        return f"{self.application} {self.kind}"


class Review(models.Model):
    """An examiner's decision on a referred file; the comment is mandatory."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")
        REQUEST_MORE = "request_more", _("Ask for more information")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    examiner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=15, choices=Decision.choices)
    comment = models.TextField()
    amount = models.PositiveBigIntegerField(null=True, blank=True)  # a lower amount this approval set
    at = models.DateTimeField(auto_now_add=True)
    # a review that counts towards approval; a request for more voids earlier approvals
    current = models.BooleanField(default=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=~models.Q(comment=""), name="review_comment_required")]

    def __str__(self) -> str:
        return f"{self.application} {self.decision}"


class Agreement(models.Model):
    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="agreement")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()
    fee = models.PositiveBigIntegerField()
    terms_sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.application} agreement"


class Payment(models.Model):
    """The guarantee fee of an application's agreement, paid through the payment gateway before
    the certificate is issued: one per application. A fee of 0 (a fee-free product) is
    ``waived`` when the agreement is signed. A declined or failed payment may be tried again:
    the same row starts a new attempt (``attempts`` + 1) with a new idempotency key, so the
    gateway makes a new order; a repeat within one attempt reuses the key and the order."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Not paid yet")
        PAID = "paid", _("Paid")
        DECLINED = "declined", _("Declined by the card company")
        FAILED = "failed", _("Not completed: the card company could not be reached")
        WAIVED = "waived", _("No fee to pay")

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="payment")
    amount = models.PositiveBigIntegerField()  # whole won: the agreement's fee
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=1)  # the applicant's tries: a new one after a decline
    idempotency_key = models.CharField(max_length=64, unique=True)  # of the current attempt (the order id too)
    provider_reference = models.CharField(max_length=64, blank=True)  # the gateway's payment id
    checkout_url = models.CharField(max_length=300, blank=True)
    decline_code = models.CharField(max_length=40, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.application} fee"

    @staticmethod
    def key_for(reference: str, attempt: int) -> str:
        """The idempotency key, and the gateway's order id, of an attempt."""
        return f"fee-{reference}-{attempt}"

    @property
    def settled(self) -> bool:
        """Paid or waived: the certificate may be issued."""
        return self.status in (self.Status.PAID, self.Status.WAIVED)


class PaymentEvent(models.Model):
    """Every payment gateway webhook, kept once by the gateway's event id."""

    event_id = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=40)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=60, blank=True)

    def __str__(self) -> str:
        return self.event_id


class Certificate(models.Model):
    """The electronic guarantee certificate: at most one per application."""

    class BankStatus(models.TextChoices):
        PENDING = "pending", _("Not yet confirmed by the bank")
        SENT = "sent", _("Received by the bank")
        ACCEPTED = "accepted", _("Accepted by the bank")
        REJECTED = "rejected", _("Rejected by the bank")

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="certificate")
    number = models.CharField(max_length=24, unique=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    amount = models.PositiveBigIntegerField()
    guaranteed_amount = models.PositiveBigIntegerField()
    coverage = models.DecimalField(max_digits=4, decimal_places=3)
    bank = models.CharField(max_length=30)
    issued_at = models.DateTimeField()
    bank_status = models.CharField(max_length=10, choices=BankStatus.choices, default=BankStatus.PENDING)
    bank_reference = models.CharField(max_length=40, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.number


class Loan(models.Model):
    """A loan the bank executed against a certificate (at most one per certificate), and its life
    as the bank reports it (``engine/loanbook.py``): the figures of its book after the last
    event applied in sequence (``last_seq``; the payout is 1)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Being repaid")
        ARREARS = "arrears", _("In arrears")
        DEFAULTED = "defaulted", _("Defaulted")
        SUBROGATED = "subrogated", _("Paid by the foundation")
        CLOSED = "closed", _("Repaid in full")

    certificate = models.OneToOneField(Certificate, on_delete=models.PROTECT, related_name="loan")
    bank_loan_id = models.CharField(max_length=40, unique=True)
    amount = models.PositiveBigIntegerField()
    executed_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    principal_repaid = models.PositiveBigIntegerField(default=0)
    interest_paid = models.PositiveBigIntegerField(default=0)
    subrogated = models.PositiveBigIntegerField(default=0)
    days_overdue = models.PositiveSmallIntegerField(default=0)
    last_seq = models.PositiveIntegerField(default=1)
    extensions = models.PositiveSmallIntegerField(default=0)
    extended_to = models.DateField(null=True, blank=True)  # the term the last extension set
    renewal_notice_term = models.DateField(null=True, blank=True)  # the term the owner was told they may extend

    def __str__(self) -> str:
        return self.bank_loan_id

    @property
    def outstanding(self) -> int:
        return self.amount - self.principal_repaid - self.subrogated

    @property
    def guarantee_balance(self) -> int:
        """The foundation's share of what is still owed (0 once it paid the bank its share)."""
        if self.status == self.Status.SUBROGATED:
            return 0
        return loanbook.share(Decimal(str(self.certificate.coverage)), self.outstanding)

    def terms(self) -> loanbook.Terms | None:
        """The repayment terms of the loan's product (None: the product gives none). A rate on
        the bank's reference rate is the bank's to state: the terms then carry no interest (the
        schedule is the principal's) and the reminders say "and the interest"."""
        product = catalogue().products.get(self.certificate.application.product)
        if product is None or product.loan is None:
            return None
        return loanbook.Terms(
            self.amount,
            Decimal(str(product.loan.rate or 0)),
            term_months=product.loan.term_months,
            grace_months=product.loan.grace_months,
            method=product.loan.method,
        )

    def schedule(self) -> list[loanbook.Instalment]:
        """The instalments from the payout day (``engine/loanbook.schedule``); each extension
        the bank confirmed replaces what fell due from the term it extended with the extended
        amount's instalments to the new term (numbered on)."""
        terms = self.terms()
        if terms is None:
            return []
        out = loanbook.schedule(terms, timezone.localdate(self.executed_at))
        for r in self.renewals.filter(status=Renewal.Status.EXTENDED).order_by("number"):
            if r.new_term is None or not r.extended_amount:
                continue
            kept = [i for i in out if i.due < r.term]
            more = loanbook.schedule(
                dataclasses.replace(terms, principal=r.extended_amount, term_months=r.months, grace_months=0), r.term
            )
            out = kept + [dataclasses.replace(i, number=len(kept) + n) for n, i in enumerate(more, start=1)]
        return out

    @property
    def term(self) -> date | None:
        """The day the loan is now due in full (after any extension); None: no terms known."""
        if self.extended_to is not None:
            return self.extended_to
        terms = self.terms()
        if terms is None:
            return None
        return loanbook.add_months(timezone.localdate(self.executed_at), terms.term_months)


class LoanEvent(models.Model):
    """One event the bank reported about a loan, kept whatever became of it: ``applied``,
    ``parked`` (waiting for an earlier sequence number) or ``refused`` (with the reason)."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        PARKED = "parked", _("Waiting for an earlier event")
        REFUSED = "refused", _("Refused")

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="events")
    event_id = models.CharField(max_length=64, unique=True)
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=20)
    on = models.DateField()
    principal = models.PositiveBigIntegerField(default=0)
    interest = models.PositiveBigIntegerField(default=0)
    days_overdue = models.PositiveSmallIntegerField(default=0)
    maturity = models.DateField(null=True, blank=True)  # loan.extended: the new term
    status = models.CharField(max_length=10, choices=Status.choices)
    reason = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["loan", "seq", "received_at"]

    def __str__(self) -> str:
        return f"{self.loan} #{self.seq} {self.kind}"


class LedgerLine(models.Model):
    """A line of the loan ledger's balanced entry for one applied event (``loanbook.ACCOUNTS``)."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="ledger")
    event_id = models.CharField(max_length=64)
    seq = models.PositiveIntegerField()
    on = models.DateField()

    class Account(models.TextChoices):
        LOAN_OUTSTANDING = "loan_outstanding", _("Loan outstanding at the bank")
        BANK_FUNDS = "bank_funds", _("Bank's funds")
        INTEREST_RECEIVED = "interest_received", _("Interest received by the bank")
        GUARANTEE_EXPOSURE = "guarantee_exposure", _("Guarantee in force (memorandum)")
        GUARANTEE_LIABILITY = "guarantee_liability", _("Guarantee liability (memorandum)")
        RECOURSE_CLAIM = "recourse_claim", _("Claim on the business")
        FOUNDATION_FUNDS = "foundation_funds", _("Foundation's funds")
        CLAIM_WRITTEN_OFF = "claim_written_off", _("Claims written off")

    account = models.CharField(max_length=30, choices=Account.choices)
    debit = models.PositiveBigIntegerField(default=0)
    credit = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["loan", "seq", "pk"]

    def __str__(self) -> str:
        return f"{self.loan} #{self.seq} {self.account} {self.debit}/{self.credit}"


def claim_standing(brn_index: str, today: date) -> str:
    """The standing that counts on the claims the foundation holds against the business of this
    registration number (``engine/claims.standing``; ``none`` without any)."""
    if not brn_index:
        return "none"
    found = Claim.objects.filter(loan__certificate__application__brn_index=brn_index)
    return claims.worst([claims.standing(c.book(), c.plan(), today) for c in found])


class Subrogation(models.Model):
    """The foundation's review of a defaulted loan and its payment of the guaranteed share to
    the bank (대위변제): opened when the bank reports the default, decided by an approver,
    paid through the bank adapter after commit, and settled when the bank confirms the receipt
    as the loan's next event."""

    class Status(models.TextChoices):
        TO_REVIEW = "to_review", _("To review")
        APPROVED = "approved", _("Approved, payment sent to the bank")
        PAID = "paid", _("Paid to the bank")
        REFUSED = "refused", _("Refused")

    loan = models.OneToOneField(Loan, on_delete=models.PROTECT, related_name="subrogation")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TO_REVIEW)
    amount = models.PositiveBigIntegerField(help_text="the guaranteed share at default, won")
    opened_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    paid_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.loan} subrogation"


class Claim(models.Model):
    """The foundation's claim on the business after it paid the bank (구상채권,
    ``engine/claims.py``), with the recovery plan agreed with the business."""

    class Status(models.TextChoices):
        OPEN = "open", _("Being recovered")
        RECOVERED = "recovered", _("Recovered in full")
        WRITTEN_OFF = "written_off", _("Written off")

    loan = models.OneToOneField(Loan, on_delete=models.PROTECT, related_name="claim")
    amount = models.PositiveBigIntegerField()
    opened_on = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    recovered = models.PositiveBigIntegerField(default=0)
    written_off = models.PositiveBigIntegerField(default=0)
    last_payment_on = models.DateField(null=True, blank=True)
    plan_months = models.PositiveSmallIntegerField(null=True, blank=True)
    plan_first_due = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.loan} claim"

    @property
    def remaining(self) -> int:
        return self.amount - self.recovered - self.written_off

    def book(self) -> claims.Claim:
        return claims.Claim(
            self.amount, self.opened_on, self.recovered, self.written_off, self.last_payment_on, self.status
        )

    def plan(self) -> list[claims.PlanInstalment]:
        if not self.plan_months or not self.plan_first_due:
            return []
        return claims.plan(self.amount, self.plan_months, self.plan_first_due)


class ClaimMovement(models.Model):
    """A recovery or a write-off of a claim, kept with who recorded it and why (never edited)."""

    class Kind(models.TextChoices):
        PLAN = "plan", _("Recovery plan agreed")
        RECOVERED = "recovered", _("Recovery")
        WRITTEN_OFF = "written_off", _("Write-off")

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    on = models.DateField()
    amount = models.PositiveBigIntegerField(default=0)
    reason = models.CharField(max_length=40, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.claim} {self.kind} {self.amount}"


class ClaimPayment(models.Model):
    """A payment the business makes on its claim online, through the payment gateway (one order
    per row; its id is also the idempotency key). Paid, it is recorded as a recovery of the
    claim (a :class:`ClaimMovement` by the payer) — once, whichever of the browser's return and
    the gateway's webhook comes first."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Not paid yet")
        PAID = "paid", _("Paid")
        DECLINED = "declined", _("Declined by the card company")
        FAILED = "failed", _("Not completed: the card company could not be reached")

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="payments")
    number = models.PositiveSmallIntegerField()
    amount = models.PositiveBigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    order_id = models.CharField(max_length=64, unique=True)
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    provider_reference = models.CharField(max_length=64, blank=True)
    checkout_url = models.CharField(max_length=300, blank=True)
    decline_code = models.CharField(max_length=40, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=40, blank=True)  # what became of it when paid
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["claim", "number"]
        constraints = [models.UniqueConstraint(fields=["claim", "number"], name="guarantee_claim_payment_number")]

    def __str__(self) -> str:
        return self.order_id


class Renewal(models.Model):
    """The owner's request to extend a loan's guarantee at its term (기한연장), its light
    re-screening (``engine/renewal.py``: the figures and facts it used in ``assessment``) and,
    when extended, the request to the bank and the bank's confirmation (``loan.extended``).
    A refused request may be made again within the window once its reason is gone; at most
    one request is with the bank at a time. A request the bank has not confirmed when the loan
    ends (repaid, defaulted, paid by the foundation) lapses and is not sent again."""

    class Status(models.TextChoices):
        REFUSED = "refused", _("Not extended")
        SENT = "sent", _("Extended by the foundation, waiting for the bank")
        EXTENDED = "extended", _("Extended")
        LAPSED = "lapsed", _("Lapsed: the loan ended first")

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="renewals")
    number = models.PositiveSmallIntegerField()  # the loan's n-th request
    status = models.CharField(max_length=10, choices=Status.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    consent_text = models.TextField()
    term = models.DateField()  # the term it extends
    months = models.PositiveSmallIntegerField(default=0)
    assessment = models.JSONField()
    repayment = models.PositiveBigIntegerField(default=0)  # to repay before the extension
    extended_amount = models.PositiveBigIntegerField(default=0)
    guaranteed = models.PositiveBigIntegerField(default=0)
    fee = models.PositiveBigIntegerField(default=0)  # for the months added; collected by the bank with it
    new_term = models.DateField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    extended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["loan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="guarantee_renewal_number"),
            models.UniqueConstraint(
                fields=["loan"], condition=Q(status="sent"), name="guarantee_one_renewal_with_the_bank"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan} renewal {self.number}"


class InstalmentReminder(models.Model):
    """A reminder sent before an instalment falls due: once per loan and due day (an extension
    moves the last instalment to a new day, which is reminded again)."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="reminders")
    number = models.PositiveSmallIntegerField()
    due = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["loan", "due"], name="guarantee_one_reminder_per_due_day")]

    def __str__(self) -> str:
        return f"{self.loan} #{self.number}"


class WebhookEvent(models.Model):
    """Every bank webhook, kept once by the bank's event id."""

    event_id = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=40)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=60, blank=True)

    def __str__(self) -> str:
        return self.event_id


class Notification(models.Model):
    """A message to the applicant by SMS or e-mail (the recipient encrypted): recorded as
    pending in the transaction that decided it, sent after that commits, retried while it
    failed (the gateway gets ``key`` so a repeat is never a second message)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not sent yet (will be retried)")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notifications")
    channel = models.CharField(max_length=10)
    recipient = EncryptedTextField()
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    provider_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.application} {self.channel}"

    @property
    def key(self) -> str:
        return f"guarantee-notification-{self.pk}"


class BudgetPool(models.Model):
    """What a budget pool of the products file (``Catalogue.pools``) has committed: the sum of
    the guarantees approved under its products and not released. The row is locked to commit,
    so two approvals never together pass the pool's amount."""

    code = models.CharField(max_length=40, unique=True)
    committed = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.code}: {self.committed:,}"

    @staticmethod
    def remaining_for(product_code: str) -> int | None:
        """What the product's pool can still commit (None: the product has no pool)."""
        cat = catalogue()
        product = cat.products.get(product_code)
        if product is None or product.pool is None:
            return None
        pool = cat.pools[product.pool]
        committed = BudgetPool.objects.filter(code=pool.code).values_list("committed", flat=True).first() or 0
        return max(0, pool.amount - committed)


class PoolCommitment(models.Model):
    """One approved guarantee's share of its product's pool, released when the file is withdrawn
    or the bank declines it."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="pool_commitment")
    pool = models.ForeignKey(BudgetPool, on_delete=models.PROTECT, related_name="commitments")
    amount = models.PositiveBigIntegerField()
    committed_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.application} {self.amount:,}"
