"""Every write of the guarantee service: one function per use case, atomic, audited, by
use-case family:

* ``sign_in`` — simple authentication, the person's account;
* ``answers`` — starting an application and its one-question pages;
* ``business`` — the registration fetched first, the applicant checked as its representative,
  one application in progress per business;
* ``documents`` — the tax and credit documents fetched with consent, or uploaded;
* ``submission`` — the checklist, sending and screening, withdrawing;
* ``review`` — examiners' decisions (maker-checker, approval for less);
* ``agreement`` — the agreement, the certificate and sending it to the bank;
* ``payments`` — the guarantee fee through the payment gateway (its order, the applicant's
  return and its signed webhooks), which lets the certificate be issued;
* ``bank`` — the bank's signed webhooks;
* ``loans`` — the loan's life as the bank reports it, its ledger, reminders and reconciliation;
* ``defaults`` — after a default: the foundation's review and payment to the bank (대위변제),
  the claim on the business (구상채권), its recovery plan, recoveries and write-off;
* ``notifications`` — SMS and e-mail, sent after commit and retried.

Each action takes the acting person as the keyword-only ``actor`` and re-checks what that
person may do to the record it is handed (its own application; a file of its institution).
Jobs that act for the foundation (re-sends) and the bank's and the payment gateway's webhooks
(proven by signature) have no person. Every change of an application's state goes through ``_base.move``. Outside
services are called with no transaction open and no row locked.
"""

from seoul.guarantee.actions._base import INSTITUTION
from seoul.guarantee.actions.agreement import (
    resend_certificate,
    resend_pending,
    send_certificate,
    sign_agreement,
    terms_in_english,
    terms_text,
)
from seoul.guarantee.actions.answers import QUESTIONS, save_answer, start_application
from seoul.guarantee.actions.bank import receive_webhook
from seoul.guarantee.actions.business import confirm_business
from seoul.guarantee.actions.claim_payments import claim_payment_returned, start_claim_payment
from seoul.guarantee.actions.defaults import (
    decide_subrogation,
    record_recovery,
    resend_subrogation,
    resend_subrogations,
    set_recovery_plan,
    write_off_claim,
)
from seoul.guarantee.actions.documents import fetch_documents, upload_document
from seoul.guarantee.actions.notifications import send_pending_notifications
from seoul.guarantee.actions.payments import payment_returned, receive_payment_webhook, start_payment
from seoul.guarantee.actions.renewals import request_renewal, resend_renewals
from seoul.guarantee.actions.review import review
from seoul.guarantee.actions.sign_in import complete_simple_auth, finish_simple_auth, start_simple_auth
from seoul.guarantee.actions.submission import checklist, submit, withdraw

__all__ = [
    "INSTITUTION",
    "QUESTIONS",
    "checklist",
    "claim_payment_returned",
    "complete_simple_auth",
    "confirm_business",
    "decide_subrogation",
    "fetch_documents",
    "finish_simple_auth",
    "payment_returned",
    "receive_payment_webhook",
    "receive_webhook",
    "record_recovery",
    "request_renewal",
    "resend_certificate",
    "resend_pending",
    "resend_renewals",
    "resend_subrogation",
    "resend_subrogations",
    "review",
    "save_answer",
    "send_certificate",
    "send_pending_notifications",
    "set_recovery_plan",
    "sign_agreement",
    "start_application",
    "start_claim_payment",
    "start_payment",
    "start_simple_auth",
    "submit",
    "terms_in_english",
    "terms_text",
    "upload_document",
    "withdraw",
    "write_off_claim",
]
