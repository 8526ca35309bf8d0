from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from seoul.core.crypto import EncryptedTextField, blind_index
from seoul.core.roles import Role, Service, role_at_least


class Named(models.Model):
    """Reference data named in Korean and English; ``name`` is the one of the page's language."""

    name_ko = models.CharField(max_length=100)
    name_en = models.CharField(max_length=150)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "ko").startswith("en") else self.name_ko


class Institution(models.Model):
    """A city institution (투자·출연기관) or the city government itself. Reference data."""

    class Kind(models.TextChoices):
        CITY = "city", _("City government")
        INVESTMENT = "investment", _("Investment institution")
        CONTRIBUTION = "contribution", _("Contribution institution")

    code = models.CharField(max_length=32, unique=True)
    name_ko = models.CharField(max_length=100)
    name_en = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    in_2020_plan = models.CharField(
        max_length=20, help_text="confirmed / likely / unconfirmed / n/a — how sure we are it was in the 2020 plan"
    )
    source = models.TextField(blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["name_ko"]

    def __str__(self) -> str:
        return self.name_ko


class User(AbstractUser):
    """Citizens, institution staff and platform admins.

    No resident registration number is ever stored. The phone number is encrypted at rest
    and found through its blind index.
    """

    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        STAFF = "staff", _("Institution staff")
        PLATFORM_ADMIN = "platform_admin", _("Platform administrator")

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CITIZEN)
    institution = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="staff")
    display_name = models.CharField(max_length=100, blank=True)
    phone = EncryptedTextField(blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, default="", db_index=True)

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined,misc]  # keeps its verbose names; the stubs lack it
        constraints = [
            # A citizen signs in with their mobile number, so one number is one citizen account
            # (staff accounts may share an office number).
            models.UniqueConstraint(
                fields=["phone_index"],
                condition=models.Q(kind="citizen") & ~models.Q(phone_index=""),
                name="one_citizen_per_phone",
            )
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.phone_index = blind_index(self.phone, purpose="user.phone") if self.phone else ""
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_platform_admin(self) -> bool:
        return self.kind == self.Kind.PLATFORM_ADMIN and self.is_active

    def role_in(self, service: str) -> str | None:
        if self.is_platform_admin:
            return Role.ADMIN
        if self.kind != self.Kind.STAFF:
            return None
        cache = getattr(self, "_role_cache", None)
        if cache is None:
            cache = dict(self.service_roles.values_list("service", "role"))
            self._role_cache = cache
        return cache.get(service)

    def roles_held(self) -> tuple[tuple[str, str], ...]:
        """The (service, role) pairs of a staff account, sorted; empty for anyone else (a
        platform administrator holds every role without rows)."""
        if self.kind != self.Kind.STAFF:
            return ()
        self.role_in("")  # reads the roles once
        return tuple(sorted(self._role_cache.items()))

    def has_role(self, service: str, role: str) -> bool:
        held = self.role_in(service)
        return held is not None and role_at_least(held, role)


class ServiceRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="service_roles")
    service = models.CharField(max_length=32, choices=Service.choices)
    role = models.CharField(max_length=16, choices=Role.choices)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "service"], name="one_role_per_service")]

    def __str__(self) -> str:
        return f"{self.user} {self.service}:{self.role}"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionDenied("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionDenied("audit events are append-only")


class AuditEvent(models.Model):
    """Append-only record of who did what, when, where, to what, and why.

    Written for sign-ins (success and failure), refused authorisations, every view, download
    or export of personal data (with the stated reason) and every state change made through
    an app's ``actions``. The application never updates or deletes a row: ``save`` refuses
    updates and ``delete`` refuses always. Kept at least ``AUDIT_RETENTION_DAYS`` (2 years).
    """

    at = models.DateTimeField(db_index=True)
    event = models.CharField(max_length=64, db_index=True)
    service = models.CharField(max_length=32, db_index=True, blank=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)
    institution = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ip = models.GenericIPAddressField(null=True, blank=True)
    route = models.CharField(max_length=300, blank=True)
    method = models.CharField(max_length=10, blank=True)
    target_type = models.CharField(max_length=64, blank=True, db_index=True)
    target_id = models.CharField(max_length=64, blank=True, db_index=True)
    target_label = models.CharField(max_length=200, blank=True)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.event} {self.actor_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionDenied("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionDenied("audit events are append-only")


class ApiToken(models.Model):
    """A bearer token for machines (gate controllers, batch jobs) acting as a staff account.

    Only a SHA-256 hash is stored; the token is shown once when issued. Revoked tokens stay
    for the audit trail.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class PhoneChallenge(models.Model):
    """A one-time code texted to a mobile number to prove that the person holds it (signing up,
    changing the number). Only a keyed hash of the code is kept; the number is encrypted and
    found through its blind index. A challenge proves one thing once: ``used_at`` is set by
    the action it proved (``core.phone.consume``)."""

    class Delivery(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not sent")

    purpose = models.CharField(max_length=32)
    phone = EncryptedTextField()
    phone_index = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    delivery = models.CharField(max_length=8, choices=Delivery.choices, default=Delivery.PENDING)
    message_id = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"{self.purpose} challenge {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.phone_index = blind_index(self.phone, purpose="user.phone")
        super().save(*args, **kwargs)
