"""How long the guarantee service keeps personal data.

* Drafts never submitted: 90 days after they were started, then deleted with their documents.
* Decided files: the guarantee is a credit record, kept 5 years (1,826 days) after the file
  closed (신용정보법 keeps credit transaction records five years after the relationship ends).
  Then the personal data is erased — business registration number, phone, e-mail, the fetched
  and uploaded documents, the notifications and the facts an extension's re-screening read
  (credit score, tax and business status) — while the reference, amounts, decisions,
  certificate and loan stay as the foundation's financial record. The five years count from the
  end of the relationship: a loan being repaid, a default under review or a claim being
  recovered keeps the file, and the last bank report or claim movement restarts the count.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from seoul.core.retention import Policy
from seoul.guarantee.engine.states import TERMINAL, State
from seoul.guarantee.models import Application, Document, Notification, Renewal

DRAFT_DAYS = 90
FILE_DAYS = int(getattr(settings, "SEOUL_GUARANTEE_RETENTION_DAYS", 1826))


def _drafts(cutoff: datetime) -> QuerySet[Application]:
    return Application.objects.filter(state=State.DRAFT, created_at__lt=cutoff)


def _closed(cutoff: datetime) -> QuerySet[Application]:
    """Decided files whose relationship with the foundation ended before ``cutoff``: a loan still
    being repaid, a default still under review and a claim still being recovered keep the file
    (the claim and the restart rules need the business number), and so does any bank report or
    claim movement since the cutoff. Already erased files have neither a business number nor a
    phone number left."""
    ongoing = (
        Q(certificate__loan__status__in=["active", "arrears", "defaulted"])
        | Q(certificate__loan__subrogation__status__in=["to_review", "approved"])
        | Q(certificate__loan__claim__status="open")
        | Q(certificate__loan__events__received_at__gte=cutoff)
        | Q(certificate__loan__claim__movements__recorded_at__gte=cutoff)
    )
    return (
        Application.objects.filter(state__in=[s.value for s in TERMINAL], state_changed_at__lt=cutoff)
        .exclude(brn_index="", phone_index="")
        .exclude(ongoing)
        .distinct()
    )


def _erase(cutoff: datetime) -> dict[str, int]:
    apps = list(_closed(cutoff))
    docs, _ = Document.objects.filter(application__in=apps).delete()
    notes, _ = Notification.objects.filter(application__in=apps).delete()
    facts = 0
    for renewal in Renewal.objects.filter(loan__certificate__application__in=apps):
        if renewal.assessment.pop("facts", None) is not None:  # the re-screening's credit facts
            renewal.save(update_fields=["assessment"])
            facts += 1
    for app in apps:
        app.brn = app.phone = app.email = ""
        app.save()
    return {"files_erased": len(apps), "documents": docs, "notifications": notes, "renewal_facts": facts}


POLICIES = [
    Policy(
        "drafts",
        _("guarantee applications started but never submitted"),
        DRAFT_DAYS,
        lambda cutoff: _drafts(cutoff).count(),
        lambda cutoff: {"drafts": _drafts(cutoff).delete()[1].get("guarantee.Application", 0)},
        purpose=_("so that an applicant can stop and come back later to finish the application"),
    ),
    Policy(
        "closed_files",
        _(
            "personal data of decided guarantee files: business registration number, phone, e-mail, documents "
            "and notifications (the financial record stays)"
        ),
        FILE_DAYS,
        lambda cutoff: _closed(cutoff).count(),
        _erase,
        purpose=_(
            "a guarantee is a credit record: the Credit Information Use and Protection Act keeps credit "
            "transaction records five years after the relationship ends"
        ),
    ),
]
