"""Outbreaks: opening one, who investigates it, and its alert rules.

Who may manage an outbreak (``Outbreak.objects.manageable_by``): tracing administrators, and
the supervisor of the outbreak's district. Only they change its investigators, and never
themselves: an investigator sees every case and contact of the outbreak, whichever district,
so adding oneself would be a way around the district rule.
"""

from __future__ import annotations

from django.db import transaction

from seoul.core import audit
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.core.validation import check_text
from seoul.tracing.actions._checks import district as check_district
from seoul.tracing.actions._checks import need_role, outbreak_managed
from seoul.tracing.engine.monitoring import AlertRules
from seoul.tracing.errors import TracingError
from seoul.tracing.events import TracingEvent
from seoul.tracing.models import Outbreak, TracerProfile


def open_outbreak(
    name: str,
    district: int,
    *,
    actor: User | None,
    name_en: str = "",
    monitoring_days: int = 14,
    infectious_days_before: int = 2,
) -> Outbreak:
    """A new outbreak of ``district`` (a supervisor's own district; any for administrators),
    named in Korean (``name``) and in English (``name_en``)."""
    need_role(actor, Role.APPROVER)
    district = check_district(district)
    if actor is not None and not actor.has_role(Service.TRACING, Role.ADMIN):
        own = TracerProfile.objects.filter(user=actor, active=True).values_list("district", flat=True).first()
        if own != district:
            raise TracingError.OWN_DISTRICT_ONLY.denied()
    name = check_text(name, "name", min_length=3, max_length=200)
    name_en = check_text(name_en, "name_en", min_length=0, max_length=200)
    if not 1 <= monitoring_days <= 60:
        raise TracingError.MONITORING_DAYS.error("monitoring_days")
    if not 0 <= infectious_days_before <= 14:
        raise TracingError.INFECTIOUS_DAYS.error("infectious_days_before")
    with transaction.atomic():
        outbreak = Outbreak.objects.create(
            name=name,
            name_en=name_en,
            district=district,
            monitoring_days=monitoring_days,
            infectious_days_before=infectious_days_before,
        )
        audit.record(
            TracingEvent.OUTBREAK_OPENED,
            actor=actor,
            target=outbreak,
            new={
                "district": outbreak.district,
                "monitoring_days": monitoring_days,
                "days_before": infectious_days_before,
            },
        )
    return outbreak


def add_investigator(outbreak: Outbreak, user: User, *, actor: User | None) -> None:
    """Make ``user`` an investigator of ``outbreak``: they see its cases and contacts."""
    if actor is not None and actor.pk == user.pk:
        raise TracingError.SELF_GRANT.denied()
    with transaction.atomic():
        outbreak = outbreak_managed(actor, outbreak)
        if not user.is_active or not user.has_role(Service.TRACING, Role.VIEWER):
            raise TracingError.INVESTIGATOR_ROLE.error("user")
        if outbreak.investigators.filter(pk=user.pk).exists():
            raise TracingError.ALREADY_INVESTIGATOR.error("user")
        outbreak.investigators.add(user)
        audit.record(TracingEvent.INVESTIGATOR_ADDED, actor=actor, target=outbreak, new={"user": user.username})


def remove_investigator(outbreak: Outbreak, user: User, *, actor: User | None) -> None:
    """``user`` no longer investigates ``outbreak`` (what they see falls back to their own
    assignments and district). Anyone who may manage the outbreak may remove an investigator,
    themselves included."""
    with transaction.atomic():
        outbreak = outbreak_managed(actor, outbreak)
        if not outbreak.investigators.filter(pk=user.pk).exists():
            raise TracingError.NOT_INVESTIGATOR.error("user")
        outbreak.investigators.remove(user)
        audit.record(TracingEvent.INVESTIGATOR_REMOVED, actor=actor, target=outbreak, old={"user": user.username})


def set_alert_rules(outbreak: Outbreak, rules: AlertRules, *, actor: User | None) -> Outbreak:
    """Change what flags ``outbreak``'s daily reports and when silence escalates (a supervisor
    of the outbreak's district, or a tracing administrator). Reports already recorded keep the
    alerts they raised; the next ones are assessed by these rules."""
    with transaction.atomic():
        outbreak = outbreak_managed(actor, outbreak)
        old = outbreak.rules.to_mapping()
        new = rules.to_mapping()
        if old == new:
            return outbreak
        outbreak.alert_rules = new
        outbreak.save(update_fields=["alert_rules"])
        audit.record(TracingEvent.ALERT_RULES_SET, actor=actor, target=outbreak, old=old, new=new)
    return outbreak
