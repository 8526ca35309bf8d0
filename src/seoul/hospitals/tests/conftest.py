"""A small hospital network: the reference register, a bed manager for Seoul Medical Center
(north-east) and one for Seonam Hospital (south-west), a north-east coordinator, the city's
patient-management team, an innovation-centre viewer and someone with no role here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest

from seoul.core.models import User
from seoul.core.validation import today
from seoul.hospitals import reference
from seoul.hospitals.models import Hospital, Post, Region


@dataclass
class Network:
    smc: Hospital
    seonam: Hospital
    boramae: Hospital
    northeast: Region
    bed_smc: User
    bed_seonam: User
    tower_ne: User
    city: User
    viewer: User
    outsider: User
    today: date


@pytest.fixture
def network(make_user: Callable[..., User]) -> Network:
    reference.load()
    smc, seonam, boramae = (Hospital.objects.get(code=c) for c in ("SMC", "SN", "BRM"))
    northeast = Region.objects.get(code="NE")
    bed_smc = make_user(institution="SMC", roles={"hospitals": "operator"}, username="bed.smc")
    bed_seonam = make_user(institution="CITY_HALL", roles={"hospitals": "operator"}, username="bed.seonam")
    tower_ne = make_user(institution="SMC", roles={"hospitals": "approver"}, username="tower.ne")
    city = make_user(institution="CITY_HALL", roles={"hospitals": "approver"}, username="patients.city")
    viewer = make_user(institution="SMC", roles={"hospitals": "viewer"}, username="innovation")
    outsider = make_user(roles={"plan": "operator"}, username="metro.person")
    Post.objects.create(user=bed_smc, hospital=smc)
    Post.objects.create(user=bed_seonam, hospital=seonam)
    Post.objects.create(user=tower_ne, region=northeast)
    Post.objects.create(user=city)
    return Network(smc, seonam, boramae, northeast, bed_smc, bed_seonam, tower_ne, city, viewer, outsider, today())
