"""Writes of the core: accounts and roles. Each is atomic and audited."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from seoul.core import audit
from seoul.core.models import Institution, ServiceRole, User


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


def grant_role(actor: User | None, user: User, service: str, role: str) -> ServiceRole:
    if user.kind != User.Kind.STAFF:
        raise ValidationError("user: service roles are for institution staff")
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
