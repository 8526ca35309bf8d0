"""The facts the privacy policy page (``/privacy/``) is made of, read from the platform itself.

What each service keeps and for how long comes from the apps' retention policies (through the
registry, ``core/retention.py``); what the platform keeps itself from the settings; which kinds of
data are encrypted at rest from the models' ``EncryptedTextField`` columns. When any of these
change, the page changes with them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from seoul.core import retention
from seoul.core.crypto import EncryptedTextField
from seoul.core.roles import Service

# Encrypted columns by attribute name, in words. A test fails when a model encrypts a column
# whose name is not here, so the page never leaves out a kind of encrypted data.
ENCRYPTED_KINDS: dict[str, Promise] = {
    "name": _("names of people in contact tracing"),
    "phone": _("mobile phone numbers"),
    "email": _("e-mail addresses"),
    "brn": _("business registration numbers"),
    "token": _("tokens the payment gateway gives for registered cards (never the card number)"),
    "recipient": _("where notifications are sent (phone number or e-mail address)"),
}


@dataclass(frozen=True)
class Kept:
    what: str | Promise
    why: str | Promise
    days: int | None  # None: no fixed period (``until`` says how long)
    until: str | Promise = ""


@dataclass(frozen=True)
class ServiceData:
    service: str | Promise
    kept: list[Kept]


def service_name(label: str) -> str | Promise:
    return Service(label).label if label in Service.values else apps.get_app_config(label).verbose_name


def platform_data() -> list[Kept]:
    """What the platform itself keeps about anyone who uses it."""
    session_hours = settings.SESSION_COOKIE_AGE // 3600
    return [
        Kept(
            _("accounts: user name, name, institution, roles and, when given, a mobile phone number"),
            _("to let staff and citizens sign in and to check what each may do"),
            None,
            _("while the account exists"),
        ),
        Kept(
            _(
                "the audit log: who did what and when, from which network address, on which record, "
                "and the reason stated for opening personal data"
            ),
            _("to show who opened or changed personal data, and to investigate misuse"),
            settings.AUDIT_RETENTION_DAYS,
            _("at least this long; the platform itself never deletes it"),
        ),
        Kept(
            _("the sign-in session (a cookie holding a random key)"),
            _("to keep you signed in"),
            None,
            _("%(hours)d hours, or until you sign out") % {"hours": session_hours},
        ),
    ]


def services() -> list[ServiceData]:
    """The platform's own data (with the core's retention policies), then each service's
    retention policies, in the order of the apps."""
    by_label: dict[str, list[Kept]] = {}
    for label, policy in retention.policies():
        until = "" if policy.days else _("deleted as soon as it expires")
        by_label.setdefault(label, []).append(Kept(policy.description, policy.purpose, policy.days or None, until))
    out = [ServiceData(_("The platform (every service)"), platform_data() + by_label.pop("core", []))]
    out += [ServiceData(service_name(label), kept) for label, kept in by_label.items()]
    return out


def encrypted_kinds() -> list[str | Promise]:
    """The kinds of personal data stored encrypted, one entry per kind, in a stable order."""
    names = sorted(
        {f.name for model in apps.get_models() for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)}
    )
    return [ENCRYPTED_KINDS.get(name, name) for name in names]
