"""Signing in by simple authentication (간편인증): the provider pushes a request to the person's
phone, they approve it there, and the service learns their verified name, an opaque subject
and their connecting identifier (CI). Only keyed hashes of the subject and the CI are kept;
the CI is what the business registration is compared with (``business.py``)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from seoul.core import audit
from seoul.core.adapters.http import AdapterError
from seoul.core.crypto import blind_index
from seoul.core.engine.phone import digits, is_mobile
from seoul.core.models import User
from seoul.core.validation import check_text
from seoul.guarantee.adapters import clients
from seoul.guarantee.errors import GuaranteeError
from seoul.guarantee.events import GuaranteeEvent
from seoul.guarantee.models import Identity

PROVIDERS = ("kakao", "naver", "pass", "toss")


def start_simple_auth(provider: str, name: str, phone: str) -> str:
    """Ask the provider to push a sign-in request to the person's phone; returns the request's
    id (kept in the session until they approve). Nobody is signed in yet, so there is no actor."""
    if provider not in PROVIDERS:
        raise GuaranteeError.PROVIDER_REQUIRED.error("provider")
    name = check_text(name, "name", max_length=50)
    if not is_mobile(phone):
        raise GuaranteeError.PHONE_MOBILE.error("phone")
    try:
        return clients.start_auth(provider, name, digits(phone))
    except AdapterError as exc:
        code = (
            GuaranteeError.AUTH_REFUSED if exc.status and 400 <= exc.status < 500 else GuaranteeError.AUTH_UNAVAILABLE
        )
        raise code.error() from None


def finish_simple_auth(tx: str, provider: str, *, actor: User | None) -> User:
    """The account of the person who approved request ``tx`` (see :func:`complete_simple_auth`),
    or why not yet."""
    try:
        result = clients.auth_status(tx)
    except AdapterError as exc:
        code = GuaranteeError.AUTH_EXPIRED if exc.status == 404 else GuaranteeError.AUTH_UNAVAILABLE
        raise code.error() from None
    if result.status == "pending":
        raise GuaranteeError.AUTH_PENDING.error()
    if result.status == "declined":
        raise GuaranteeError.AUTH_DECLINED.error()
    return complete_simple_auth(result, provider, actor=actor)


def complete_simple_auth(result: clients.AuthResult, provider: str, *, actor: User | None) -> User:
    """The citizen account of the person the provider authenticated.

    Found by the provider's subject, else by the CI (the same person through another
    provider); a signed-in citizen without an identity yet (e.g. a password account) gets this
    one linked; else a new account is made. The verified name and the CI's hash are refreshed
    on every sign-in."""
    if result.status != "completed" or not result.subject or not result.ci:
        raise GuaranteeError.AUTH_INCOMPLETE.error()
    subject_index = blind_index(result.subject, purpose="guarantee.subject")
    ci_index = blind_index(result.ci, purpose="guarantee.ci")
    name = " ".join(result.name.split())[:50]
    try:
        return _complete(subject_index, ci_index, name, result.phone, provider, actor)
    except IntegrityError:  # the same first sign-in in two tabs at once: the other one made it
        return _complete(subject_index, ci_index, name, result.phone, provider, actor)


def _unclaimed(phone: str, user: User | None) -> str:
    """``phone`` unless another citizen account already holds it (then ""). A number names one
    citizen account, which signs in with it; a verified number does not take that account
    over -- the citizen signs in to it and links this identity there instead."""
    others = User.objects.filter(kind=User.Kind.CITIZEN, phone_index=blind_index(phone, purpose="user.phone"))
    if user is not None:
        others = others.exclude(pk=user.pk)
    return "" if not phone or others.exists() else phone


def _complete(subject_index: str, ci_index: str, name: str, phone: str, provider: str, actor: User | None) -> User:
    with transaction.atomic():
        identity = Identity.objects.select_related("user").filter(subject_index=subject_index).first()
        linked = False
        if identity is None:
            same_person = Identity.objects.select_related("user").filter(ci_index=ci_index).first()
            if same_person is not None:
                user = same_person.user
            elif (
                actor is not None
                and actor.is_authenticated
                and actor.kind == User.Kind.CITIZEN
                and not Identity.objects.filter(user=actor).exists()
            ):
                user, linked = actor, True
            else:
                user = User.objects.create_user(
                    username=f"sa-{subject_index[:12]}",
                    kind=User.Kind.CITIZEN,
                    display_name=name,
                    phone=_unclaimed(phone, None),
                )
                user.set_unusable_password()
                user.save()
            identity = Identity.objects.create(
                user=user, provider=provider, subject_index=subject_index, ci_index=ci_index, name=name
            )
        elif (identity.ci_index, identity.name) != (ci_index, name):
            identity.ci_index, identity.name = ci_index, name
            identity.save(update_fields=["ci_index", "name"])
        user = identity.user
        if phone and user.phone != phone and _unclaimed(phone, user):
            user.phone = phone
            user.save()
        audit.record(
            GuaranteeEvent.SIGNED_IN,
            actor=user,
            target=user,
            new={"provider": provider, **({"linked": True} if linked else {})},
            service="guarantee",
        )
        return user
