"""How long the records service keeps personal data of its own (the records themselves are kept
by the records law: retention periods and the disposal review, ``actions/disposal``).

- The file delivered for a request for information is a copy made for the requester: removed
  from storage a year after the decision (the request and its decision stay, for the register).
- A request for information (who asked what) is kept five years after its decision, as the
  institutions' disclosure registers are (an assumption written here; the records schedule of
  the city decides it in practice), then deleted.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seoul.core.retention import Policy
from seoul.records.models import DisclosureRequest
from seoul.records.storage import storage

FILE_DAYS = 365
REQUEST_DAYS = 5 * 365


def _files(cutoff: datetime) -> QuerySet[DisclosureRequest]:
    return DisclosureRequest.objects.filter(decided_at__lt=cutoff, file_removed_at__isnull=True).exclude(file_key="")


def _purge_files(cutoff: datetime) -> dict[str, int]:
    removed = 0
    for request in _files(cutoff):
        storage().delete(request.file_key)
        request.file_removed_at = timezone.now()
        request.save(update_fields=["file_removed_at"])
        removed += 1
    return {"records.DisclosureRequest.file": removed}


def _requests(cutoff: datetime) -> QuerySet[DisclosureRequest]:
    return DisclosureRequest.objects.filter(decided_at__lt=cutoff)


def _purge_requests(cutoff: datetime) -> dict[str, int]:
    for request in _requests(cutoff).exclude(file_key="").filter(file_removed_at__isnull=True):
        storage().delete(request.file_key)
    deleted, _by_model = _requests(cutoff).delete()
    return {"records.DisclosureRequest": deleted}


POLICIES = [
    Policy(
        name="disclosure_files",
        description=_("files delivered for requests for information"),
        days=FILE_DAYS,
        count=lambda cutoff: _files(cutoff).count(),
        purge=_purge_files,
        purpose=_("a copy for the requester to download; the request and its decision are kept"),
    ),
    Policy(
        name="disclosure_requests",
        description=_("requests for information: who asked what, and the decision"),
        days=REQUEST_DAYS,
        count=lambda cutoff: _requests(cutoff).count(),
        purge=_purge_requests,
        purpose=_("the register of requests and decisions, for objections, appeals and audits"),
    ),
]
