"""Demo accounts: one per role, with random passwords kept in var/demo_accounts.json (0600).

Passwords are made on the first run of a machine and shown again on later runs; nothing
secret is committed.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from seoul.core.models import Institution, ServiceRole, User
from seoul.core.roles import Role, Service

ACCOUNTS = [
    # username, kind, institution, roles, description
    ("admin", User.Kind.PLATFORM_ADMIN, "CITY_HALL", {}, "Platform administrator (every role)"),
    (
        "metro.operator",
        User.Kind.STAFF,
        "SEOUL_METRO",
        {Service.PLAN: Role.OPERATOR},
        "Seoul Metro staff: registers and reports its projects",
    ),
    (
        "smc.operator",
        User.Kind.STAFF,
        "SMC",
        {Service.PLAN: Role.OPERATOR},
        "Seoul Medical Center staff: registers and reports its projects",
    ),
    (
        "plan.admin",
        User.Kind.STAFF,
        "CITY_HALL",
        {Service.PLAN: Role.ADMIN},
        "City plan office: manages every institution's projects",
    ),
    (
        "plan.viewer",
        User.Kind.STAFF,
        "SDT",
        {Service.PLAN: Role.VIEWER},
        "Seoul Digital Foundation staff: reads the staff dashboard",
    ),
    (
        "auditor",
        User.Kind.STAFF,
        "CITY_HALL",
        {Service.CORE: Role.ADMIN, Service.PLAN: Role.VIEWER},
        "City auditor: searches the whole audit log",
    ),
    (
        "metro.staff",
        User.Kind.STAFF,
        "SEOUL_METRO",
        {Service.METRO: Role.APPROVER},
        "Seoul Metro fare staff: resolves disputes, sees revenue and gate health",
    ),
    (
        "metro.engineer",
        User.Kind.STAFF,
        "SEOUL_METRO",
        {Service.METRO: Role.OPERATOR},
        "Seoul Metro maintenance engineer: work orders from train and track sensors",
    ),
    (
        "tracer.mapo",
        User.Kind.STAFF,
        "SPHF",
        {Service.TRACING: Role.OPERATOR},
        "Contact tracer in Mapo-gu: daily worklist, cases, contacts, follow-ups",
    ),
    (
        "tracer.mapo2",
        User.Kind.STAFF,
        "SPHF",
        {Service.TRACING: Role.OPERATOR},
        "Second contact tracer in Mapo-gu: the supervisor reassigns work to them",
    ),
    (
        "tracer.gangnam",
        User.Kind.STAFF,
        "SPHF",
        {Service.TRACING: Role.OPERATOR},
        "Contact tracer in Gangnam-gu",
    ),
    (
        "tracer.gwanak",
        User.Kind.STAFF,
        "SPHF",
        {Service.TRACING: Role.OPERATOR},
        "Contact tracer in Gwanak-gu",
    ),
    (
        "tracing.supervisor",
        User.Kind.STAFF,
        "SPHF",
        {Service.TRACING: Role.APPROVER},
        "Tracing supervisor of Mapo-gu: WHO indicators, backlog, reassignment",
    ),
    (
        "epi.investigator",
        User.Kind.STAFF,
        "CITY_HALL",
        {Service.TRACING: Role.VIEWER},
        "Epidemiological investigator of the demo outbreak: its cases and chains",
    ),
    (
        "guarantee.examiner",
        User.Kind.STAFF,
        "SEOULSHINBO",
        {Service.GUARANTEE: Role.OPERATOR},
        "Seoul Credit Guarantee Foundation examiner: works the referred-file queue",
    ),
    (
        "guarantee.approver",
        User.Kind.STAFF,
        "SEOULSHINBO",
        {Service.GUARANTEE: Role.APPROVER},
        "Seoul Credit Guarantee Foundation approver: second approval above 30,000,000 won",
    ),
    (
        "bed.smc",
        User.Kind.STAFF,
        "SMC",
        {Service.HOSPITALS: Role.OPERATOR},
        "Bed manager of Seoul Medical Center: the daily bed, staff and supply report",
    ),
    (
        "bed.boramae",
        User.Kind.STAFF,
        "CITY_HALL",
        {Service.HOSPITALS: Role.OPERATOR},
        "Bed manager of Boramae Medical Center: the daily report",
    ),
    (
        "tower.northeast",
        User.Kind.STAFF,
        "SMC",
        {Service.HOSPITALS: Role.APPROVER},
        "Control-tower coordinator of Seoul-Northeast (at Seoul Medical Center): the region's board",
    ),
    (
        "patients.city",
        User.Kind.STAFF,
        "CITY_HALL",
        {Service.HOSPITALS: Role.APPROVER},
        "City patient-management team: every region's board",
    ),
    (
        "hospitals.viewer",
        User.Kind.STAFF,
        "SMC",
        {Service.HOSPITALS: Role.VIEWER},
        "City hospital operations innovation centre: reads the boards",
    ),
    (
        "records.clerk",
        User.Kind.STAFF,
        "CITY_HALL",
        {Service.RECORDS: Role.OPERATOR},
        "Records clerk of the General Affairs Division: scans, then registers them",
    ),
    (
        "records.officer",
        User.Kind.STAFF,
        "CITY_HALL",
        {Service.RECORDS: Role.APPROVER},
        "Records officer (기록물관리 담당): every record, retention, disclosure and corrections",
    ),
    (
        "records.reader",
        User.Kind.STAFF,
        "CITY_HALL",
        {Service.RECORDS: Role.VIEWER},
        "Staff member of the Digital Policy Division: searches and reads records",
    ),
    (
        "care.designer",
        User.Kind.STAFF,
        "SDF",
        {Service.CARE: Role.OPERATOR},
        "Designer at the Seoul Design Foundation: adds care centres, uploads their models, applies changes",
    ),
    (
        "care.policy",
        User.Kind.STAFF,
        "CITY_HALL",
        {Service.CARE: Role.VIEWER},
        "Care-policy staff member: compares the centres' checks and risks",
    ),
    (
        "citizen",
        User.Kind.CITIZEN,
        None,
        {},
        "A citizen who rides the metro and has guarantee files (applicants also sign in by simple authentication)",
    ),
]


def accounts_file() -> Path:
    return Path(settings.VAR_DIR) / "demo_accounts.json"


def known_passwords() -> dict[str, str]:
    """The demo passwords made on this machine so far, by username."""
    path = accounts_file()
    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    return known


def keep_passwords(known: dict[str, str]) -> None:
    """Write the demo passwords back, readable by the platform's user only (0600)."""
    fd = os.open(accounts_file(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(known, fh, indent=2)


@dataclass(frozen=True)
class DemoAccount:
    """A service's own demo account (``<service>/demo.py``): made once, its password made on
    the first run and kept with the others, its roles set, printed by ``seoul demo-data``."""

    username: str
    description: str
    kind: str = User.Kind.STAFF
    institution: str | None = None  # an institution's code; None: none of the city's
    roles: Mapping[str, str] = field(default_factory=dict)  # service → role


def ensure_accounts(accounts: Sequence[DemoAccount]) -> dict[str, User]:
    """Make the accounts that are missing, give each its roles, keep their passwords."""
    known = known_passwords()
    users: dict[str, User] = {}
    with transaction.atomic():
        for account in accounts:
            user, created = User.objects.get_or_create(
                username=account.username,
                defaults={
                    "kind": account.kind,
                    "display_name": account.username,
                    "institution": Institution.objects.get(code=account.institution) if account.institution else None,
                },
            )
            if created or account.username not in known:
                known[account.username] = known.get(account.username) or secrets.token_urlsafe(12)
                user.set_password(known[account.username])
                user.save()
            for service, role in account.roles.items():
                ServiceRole.objects.update_or_create(user=user, service=service, defaults={"role": role})
            users[account.username] = user
    keep_passwords(known)
    return users


def printed(accounts: Sequence[DemoAccount]) -> list[dict[str, str]]:
    """The accounts made so far, as ``seoul demo-data`` prints them."""
    known = known_passwords()
    return [
        {"username": a.username, "password": known[a.username], "role": a.description}
        for a in accounts
        if a.username in known
    ]


def load() -> list[dict[str, str]]:
    known = known_passwords()
    shown = []
    with transaction.atomic():
        for username, kind, inst_code, roles, description in ACCOUNTS:
            password = known.get(username) or secrets.token_urlsafe(12)
            user, created = User.objects.get_or_create(username=username, defaults={"kind": kind})
            user.kind = kind
            user.institution = Institution.objects.get(code=inst_code) if inst_code else None
            user.display_name = username
            if created or username not in known:
                user.set_password(password)
            user.save()
            for service, role in roles.items():
                ServiceRole.objects.update_or_create(user=user, service=service, defaults={"role": role})
            known[username] = password
            shown.append({"username": username, "password": password, "role": description})
    keep_passwords(known)
    return shown
