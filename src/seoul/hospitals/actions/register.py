"""The register the city keeps: partner hospitals and community treatment centres, and which
district belongs to which sub-region. Hospitals administrators only; every change audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.core.validation import check_text
from seoul.hospitals.engine.network import Need
from seoul.hospitals.errors import HospitalsError
from seoul.hospitals.events import HospitalsEvent
from seoul.hospitals.models import DistrictRegion, Hospital, Post, Region


def _admin(actor: User) -> None:
    if not actor.has_role(Service.HOSPITALS, Role.ADMIN):
        raise HospitalsError.ADMINS_ONLY.denied()


@dataclass(frozen=True)
class NewHospital:
    code: str
    name_ko: str
    name_en: str
    kind: str  # Hospital.Kind.PARTNER or TREATMENT_CENTRE
    district: int
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    licensed_beds: int | None = None
    capabilities: frozenset[Need] = frozenset()


def register_hospital(data: NewHospital, *, actor: User) -> Hospital:
    _admin(actor)
    if data.kind not in (Hospital.Kind.PARTNER, Hospital.Kind.TREATMENT_CENTRE):
        raise HospitalsError.PARTNERS_ONLY.error("kind")
    code = check_text(data.code, "code", max_length=16).upper()
    if Hospital.objects.filter(code=code).exists():
        raise HospitalsError.CODE_TAKEN.error("code")
    if (data.lat is None) != (data.lon is None):
        raise HospitalsError.BOTH_COORDINATES.error("lat")
    with transaction.atomic():
        hospital = Hospital.objects.create(
            code=code,
            name_ko=check_text(data.name_ko, "name_ko", max_length=100),
            name_en=check_text(data.name_en, "name_en", max_length=150),
            kind=data.kind,
            district=data.district,
            address=check_text(data.address, "address", max_length=200, min_length=0),
            lat=data.lat,
            lon=data.lon,
            coord_quality=Hospital.CoordQuality.ENTERED if data.lat is not None else Hospital.CoordQuality.NONE,
            licensed_beds=data.licensed_beds,
            capabilities=sorted(n.value for n in data.capabilities),
            capabilities_basis="entered by the city" if data.capabilities else "",
            roster_status="registered_partner",
            registered_at=timezone.now(),
        )
        audit.record(
            HospitalsEvent.HOSPITAL_REGISTERED,
            target=hospital,
            new={"code": code, "kind": data.kind, "district": data.district},
            actor=actor,
        )
    return hospital


def move_district(district: int, region: Region, *, verified: bool, actor: User) -> DistrictRegion:
    """Put ``district`` in ``region`` (and say whether that is now verified)."""
    _admin(actor)
    with transaction.atomic():
        row = DistrictRegion.objects.select_for_update().get(district=district)
        old = {"region": row.region.code, "verified": row.verified}
        row.region = region
        row.verified = verified
        row.updated_at = timezone.now()
        row.updated_by = actor
        row.save(update_fields=["region", "verified", "updated_at", "updated_by"])
        audit.record(
            HospitalsEvent.DISTRICT_REGION_CHANGED,
            target=row,
            old=old,
            new={"region": region.code, "verified": verified},
            actor=actor,
        )
    return row


def assign_post(user: User, *, hospital: Hospital | None, region: Region | None, actor: User | None) -> Post:
    """Post ``user`` at a hospital, at a region's control tower, or (neither) to the city's
    patient-management team. ``actor=None`` is the system (the command line of an operator of
    the platform); otherwise a hospitals administrator."""
    if actor is not None:
        _admin(actor)
    if hospital is not None and region is not None:
        raise HospitalsError.ONE_PLACE.error("region")
    with transaction.atomic():
        post, created = Post.objects.get_or_create(
            user=user, hospital=hospital, region=region, defaults={"active": True}
        )
        if not created and not post.active:
            post.active = True
            post.save(update_fields=["active"])
        audit.record(
            HospitalsEvent.POST_ASSIGNED,
            target=post,
            target_label=user.get_username(),
            new={"hospital": hospital.code if hospital else None, "region": region.code if region else None},
            actor=actor,
        )
    return post
