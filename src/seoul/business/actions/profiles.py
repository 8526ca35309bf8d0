"""A business profile built, refreshed and deleted by its representative, with consent.

The profile is built from the guarantee service's published interface
(``seoul.guarantee.interfaces.business_record``), which answers only to the business's confirmed
representative. The consent text the person read and the time are kept with the profile.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from seoul.business.actions._base import facts_of
from seoul.business.engine import stages
from seoul.business.errors import BusinessError
from seoul.business.events import BusinessEvent
from seoul.business.labels import CONSENT_TEXT
from seoul.business.models import BusinessProfile, ProfileObservation, ProgrammeApplication
from seoul.core import audit
from seoul.core.crypto import blind_index
from seoul.core.models import User
from seoul.guarantee import interfaces as guarantee

BRN_PURPOSE = "business.brn"


def _citizen(actor: User) -> None:
    if actor is None or not actor.is_authenticated or actor.kind != User.Kind.CITIZEN:
        raise BusinessError.CITIZENS_ONLY.denied()


def _record(actor: User, brn: str, today: date) -> guarantee.BusinessRecord:
    record = guarantee.business_record(actor, brn, today=today)
    if record is None:
        raise BusinessError.NOT_REPRESENTATIVE.error("brn")
    if not record.in_seoul:
        raise BusinessError.NOT_IN_SEOUL.error("brn")
    if record.opened_on is None:
        raise BusinessError.NO_OPENING.error("brn")
    return record


def _completed(index: str) -> int:
    return ProgrammeApplication.objects.filter(brn_index=index, state=ProgrammeApplication.States.COMPLETED).count()


def _fill(profile: BusinessProfile, record: guarantee.BusinessRecord, today: date) -> None:
    index = blind_index(record.brn, purpose=BRN_PURPOSE)
    facts = facts_of(record, _completed(index))
    placed = stages.place(facts, today)
    profile.brn = record.brn
    profile.business_name = record.business_name[:100]
    profile.facts = facts.to_dict()
    profile.industry_name_ko = record.industry_name_ko[:60]
    profile.industry_name_en = record.industry_name_en[:60]
    profile.stage = placed.stage
    profile.stage_reason = placed.to_dict()
    profile.refreshed_at = timezone.now()


def build_profile(brn: str, *, consent: bool, actor: User, today: date | None = None) -> BusinessProfile:
    """The representative's profile of their business ``brn``, built with their consent."""
    today = today or timezone.localdate()
    _citizen(actor)
    if not consent:
        raise BusinessError.CONSENT_REQUIRED.error("consent")
    record = _record(actor, brn, today)  # read-only; no transaction is open yet
    profile = BusinessProfile(owner=actor, consent_at=timezone.now(), consent_text=str(CONSENT_TEXT))
    _fill(profile, record, today)
    try:
        with transaction.atomic():
            profile.save()
            ProfileObservation.objects.create(profile=profile, as_of=today, facts=profile.facts)
            audit.record(
                BusinessEvent.PROFILE_BUILT,
                target=profile,
                actor=actor,
                new={"stage": profile.stage, "source": "guarantee.interfaces.business_record"},
            )
    except IntegrityError:
        raise BusinessError.PROFILE_EXISTS.error("brn") from None
    return profile


def refresh_profile(profile: BusinessProfile, *, actor: User | None, today: date | None = None) -> BusinessProfile:
    """Read the guarantee service's record again (the owner, or the outcome job with ``actor``
    None under the consent given): a new observation, the stage placed again."""
    today = today or timezone.localdate()
    if actor is not None and profile.owner_id != actor.pk:
        raise BusinessError.NOT_REPRESENTATIVE.denied()
    record = guarantee.business_record(profile.owner, profile.brn, today=today)
    if record is None or record.opened_on is None:
        raise BusinessError.NOT_REPRESENTATIVE.error()
    with transaction.atomic():
        locked = BusinessProfile.objects.select_for_update().get(pk=profile.pk)
        before = locked.stage
        _fill(locked, record, today)
        locked.save()
        ProfileObservation.objects.create(profile=locked, as_of=today, facts=locked.facts)
        audit.record(
            BusinessEvent.PROFILE_REFRESHED,
            target=locked,
            actor=actor,
            actor_label="" if actor else "system (outcomes)",
            old={"stage": before},
            new={"stage": locked.stage},
        )
    return locked


def delete_profile(profile: BusinessProfile, *, actor: User) -> None:
    """The representative withdraws consent: the profile and its observations go; applications
    keep only their anonymous figures (stage, district, industry, scores, outcome)."""
    if profile.owner_id != actor.pk:
        raise BusinessError.NOT_REPRESENTATIVE.denied()
    with transaction.atomic():
        audit.record(BusinessEvent.PROFILE_DELETED, target=profile, actor=actor)
        profile.delete()
