"""How long the overseas-sales service keeps what it holds.

* Applications of businesses that were **not selected** or **withdrew** (with their products and
  history): 1 year after the decision (365 days) — long enough for an objection or a complaint
  and to re-apply in the next round; then deleted. (Our assumption; the agency's own records
  schedule is not published.)
* Everything of a **selected** business — listings, export documents, shipping claims with their
  receipts and the payments, sales reports: 5 years (1,826 days) after the round ends, for the
  audit of public subsidies. Assumption: the Subsidy Management Act (보조금 관리에 관한 법률)
  asks subsidised bodies to keep their records of a subsidised project for 5 years after it
  ends (art. 35); the programme keeps its side of the records as long. After that the receipts'
  and documents' files are erased (their SHA-256, amounts and dates stay, anonymous) and the
  applicant's link, business name and number are removed.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from seoul.core.retention import Policy
from seoul.overseas.models import Application, ExportDocument, SalesUpload, SubsidyClaim

UNSUCCESSFUL_DAYS = 365
SUBSIDY_DAYS = 1826

States = Application.States


def _unsuccessful(cutoff: datetime) -> QuerySet[Application]:
    return Application.objects.filter(
        state__in=[States.NOT_SELECTED, States.WITHDRAWN], state_changed_at__lt=cutoff, claims__isnull=True
    ).distinct()


def _purge_unsuccessful(cutoff: datetime) -> dict[str, int]:
    ids = list(_unsuccessful(cutoff).values_list("pk", flat=True))
    deleted = Application.objects.filter(pk__in=ids, sales_uploads__isnull=True).delete()[1]
    return {"applications": deleted.get("overseas.Application", 0), "products": deleted.get("overseas.Product", 0)}


def _ended(cutoff: datetime) -> QuerySet[Application]:
    return Application.objects.filter(state=States.SELECTED, round__runs_until__lt=cutoff.date()).exclude(brn_index="")


def _purge_ended(cutoff: datetime) -> dict[str, int]:
    apps = list(_ended(cutoff))
    receipts = SubsidyClaim.objects.filter(application__in=apps).exclude(content=b"").update(content=b"", file_name="")
    documents = ExportDocument.objects.filter(listing__product__application__in=apps).delete()[0]
    uploads = SalesUpload.objects.filter(application__in=apps).exclude(content=b"").update(content=b"")
    for app in apps:
        app.applicant = None
        app.business_name = "—"
        app.brn = ""
        app.plan = ""
        app.save()
    return {"applications": len(apps), "receipts_erased": receipts, "documents": documents, "sales_files": uploads}


POLICIES = [
    Policy(
        "overseas_unsuccessful",
        _("overseas sales applications that were not selected or were withdrawn"),
        UNSUCCESSFUL_DAYS,
        lambda cutoff: _unsuccessful(cutoff).count(),
        _purge_unsuccessful,
        purpose=_("so that a decision can be questioned and the business can apply again in the next round"),
    ),
    Policy(
        "overseas_subsidy_records",
        _("overseas sales records of selected businesses: listings, documents, shipping receipts, sales"),
        SUBSIDY_DAYS,
        lambda cutoff: _ended(cutoff).count(),
        _purge_ended,
        purpose=_(
            "public subsidies are audited for five years after the project ends (assumed from the Subsidy Management Act)"
        ),
    ),
]
