"""Writes of the core: accounts and roles. Each is atomic and audited."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from seoul.core import audit
from seoul.core.models import ApiToken, Institution, ServiceRole, User
from seoul.core.roles import Role, Service


def create_platform_admin(username: str, password: str) -> User:
    if User.objects.filter(username=username).exists():
        raise ValidationError(f"username: '{username}' is taken")
    user = User(
        username=username,
        kind=User.Kind.PLATFORM_ADMIN,
        institution=Institution.objects.filter(code="CITY_HALL").first(),
    )
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save()
        audit.record(
            audit.CoreEvent.USER_CREATED, actor_label="system (createadmin)", target=user, new={"kind": user.kind}
        )
    return user


def create_staff(
    actor: User | None, username: str, password: str, institution_code: str, display_name: str = ""
) -> User:
    if User.objects.filter(username=username).exists():
        raise ValidationError(f"username: '{username}' is taken")
    institution = Institution.objects.filter(code=institution_code).first()
    if institution is None:
        raise ValidationError(f"institution: unknown institution code '{institution_code}'")
    user = User(username=username, kind=User.Kind.STAFF, institution=institution, display_name=display_name)
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save()
        audit.record(
            audit.CoreEvent.USER_CREATED,
            actor=actor,
            actor_label="" if actor else "system (cli)",
            target=user,
            new={"kind": user.kind, "institution": institution.code},
        )
    return user


def issue_token(actor: User | None, user: User, name: str) -> str:
    """Create an API token for ``user``; returns the secret, which is not stored."""
    if user.kind != User.Kind.STAFF or not user.is_active:
        raise ValidationError("user: tokens are for active staff accounts")
    secret = "st_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name[:100], prefix=secret[3:11], key_hash=token_hash(secret))
        audit.record(
            audit.CoreEvent.TOKEN_ISSUED,
            actor=actor,
            actor_label="" if actor else "system (cli)",
            target=user,
            new={"token": str(token)},
        )
    return secret


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def grant_role(actor: User | None, user: User, service: str, role: str) -> ServiceRole:
    if user.kind != User.Kind.STAFF:
        raise ValidationError("user: service roles are for institution staff")
    if service not in Service.values:
        raise ValidationError(f"service: unknown service '{service}' (known: {', '.join(Service.values)})")
    if role not in Role.values:
        raise ValidationError(f"role: unknown role '{role}' (known: {', '.join(Role.values)})")
    with transaction.atomic():
        old = ServiceRole.objects.filter(user=user, service=service).values_list("role", flat=True).first()
        sr, _ = ServiceRole.objects.update_or_create(user=user, service=service, defaults={"role": role})
        audit.record(
            audit.CoreEvent.ROLE_GRANTED,
            actor=actor,
            target=user,
            old={"role": old},
            new={"service": service, "role": role},
        )
    return sr
