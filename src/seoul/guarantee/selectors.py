"""Reads of the guarantee service for pages and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from seoul.core.crypto import blind_index
from seoul.core.models import User
from seoul.guarantee.engine.catalogue import Product, catalogue
from seoul.guarantee.engine.states import State
from seoul.guarantee.models import Application

# Service-level target: a referred file is decided within two days of referral.
SLA = timedelta(hours=48)


def own_applications(user: User) -> QuerySet[Application]:
    return Application.objects.filter(applicant=user).order_by("-created_at")


def own_application(user: User, reference: str) -> Application:
    """The applicant's own file; anyone else's is a 404, not a 403 (no hint that it exists)."""
    app = Application.objects.filter(applicant=user, reference=reference).first()
    if app is None:
        raise Http404("no such application")
    return app


def institution_file(user: User, reference: str) -> Application:
    qs = Application.objects.select_related("institution", "applicant")
    if not user.is_platform_admin:
        qs = qs.filter(institution=user.institution)
    app = qs.filter(reference=reference).exclude(state=State.DRAFT).first()
    if app is None:
        raise Http404("no such file in your institution")
    return app


@dataclass(frozen=True)
class QueueItem:
    app: Application
    age: timedelta
    remaining: timedelta
    overdue: bool
    approvals: int

    @property
    def product(self) -> Product | None:
        return catalogue().products.get(self.app.product)

    @property
    def age_hours(self) -> int:
        return int(self.age.total_seconds() // 3600)


def queue(user: User, now: datetime) -> list[QueueItem]:
    """Referred files of the examiner's institution, oldest first, against the target."""
    qs = Application.objects.filter(state=State.REFERRED)
    if not user.is_platform_admin:
        qs = qs.filter(institution=user.institution)
    qs = qs.annotate(approvals=Count("reviews", filter=Q(reviews__decision="approve", reviews__current=True)))
    items = []
    for app in qs.order_by("referred_at", "pk"):
        since = app.referred_at or app.submitted_at or app.created_at
        age = now - since
        items.append(QueueItem(app, age, SLA - age, age > SLA, int(app.approvals)))
    return items


def find_by_brn(user: User, number: str) -> list[Application]:
    """Files of the examiner's institution for one business (exact match via the blind index)."""
    qs = Application.objects.filter(brn_index=blind_index(number, purpose="guarantee.brn")).exclude(state=State.DRAFT)
    if not user.is_platform_admin:
        qs = qs.filter(institution=user.institution)
    return list(qs.order_by("-created_at")[:50])


def products() -> list[dict[str, Any]]:
    return [
        {
            "code": p.code,
            "name_ko": p.name_ko,
            "name_en": p.name_en,
            "coverage": p.coverage,
            "fee_rate": p.fee_rate,
            "max_amount": p.max_amount,
            "min_amount": p.min_amount,
            "min_months": p.min_months,
            "max_months": p.max_months,
        }
        for p in catalogue().products.values()
    ]


def programmes_of(app: Application) -> tuple[SimpleNamespace | None, list[SimpleNamespace]]:
    """The recommended life-cycle stage and programmes (objects, for the ``loc`` filter)."""
    if not app.lifecycle:
        return None, []
    cat = catalogue()
    codes = set(app.lifecycle.get("programmes", []))
    stage = cat.stages.get(app.lifecycle.get("stage", ""))
    return (
        SimpleNamespace(**stage) if stage else None,
        [SimpleNamespace(**p) for p in cat.programmes if p["code"] in codes],
    )
