"""The site navigation and where staff land after signing in, both offered by each app's ``nav.py``.

``<app>.nav.items(user)`` returns the (label, url) entries of the main menu that ``user`` may open
(``user`` is None on pages rendered outside the middleware stack). ``<app>.nav.worklist(user)``
(optional) returns ``(priority, url)`` of the page where that person's daily work waits, or None.
After signing in without an explicit ``next``, a person lands on the worklist with the lowest
priority number among all apps (ties: the order of ``INSTALLED_APPS``); with none, on the home page.
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from seoul.core.registry import app_modules
from seoul.core.roles import Role, Service

# Priorities for ``worklist``: lower wins.
WORK = 10  # records that wait for this person's decision or action (queues, worklists)
OVERVIEW = 50  # dashboards someone reads rather than works through
AUDIT = 90  # the audit log: staff with a service role land on that service first


@functools.cache
def _nav_modules() -> list[ModuleType]:
    """Found once per process: looking for an app's missing ``nav`` module searches the disk."""
    return [module for _label, module in app_modules("nav")]


# Staff and administrators' menus depend only on their roles and institution (an app's ``items``
# looks at nothing else of a staff account: ``test_navigation`` holds every app to it), so they
# are built once per process per language, institution and set of roles. Citizens' menus
# depend on their records (e.g. a metro card): built every time.
_STAFF_MENUS: dict[tuple[Any, ...], list[dict[str, str]]] = {}
_STAFF_MENUS_KEPT = 256


def forget() -> None:
    """Drop the kept staff menus (tests start as a fresh process would)."""
    _STAFF_MENUS.clear()


def entries(user: Any) -> list[dict[str, str]]:
    """The main menu entries ``user`` may open, in the active language."""
    if user is None or not user.is_authenticated or user.kind == user.Kind.CITIZEN:
        return _entries(user)
    key = (get_language(), user.kind, user.is_active, user.institution_id, user.roles_held())
    menu = _STAFF_MENUS.get(key)
    if menu is None:
        if len(_STAFF_MENUS) >= _STAFF_MENUS_KEPT:
            _STAFF_MENUS.clear()
        menu = _STAFF_MENUS[key] = _entries(user)
    return list(menu)


def _entries(user: Any) -> list[dict[str, str]]:
    nav: list[dict[str, str]] = []
    for module in _nav_modules():
        nav += [{"label": str(label), "url": url} for label, url in module.items(user)]
    if user is not None and user.is_authenticated and user.has_role(Service.CORE, Role.VIEWER):
        nav.append({"label": str(_("Audit log")), "url": reverse("core:audit_log")})
    return nav


def worklist_url(user: Any) -> str | None:
    """Where ``user`` lands after signing in, or None for the home page.

    Platform administrators hold every role in every service and have no worklist of their
    own: they land on the home page, which lists every service.
    """
    if user is None or not user.is_authenticated or user.is_platform_admin:
        return None
    offers: list[tuple[int, str]] = []
    for module in _nav_modules():
        hook = getattr(module, "worklist", None)
        offer = hook(user) if hook is not None else None
        if offer is not None:
            offers.append(offer)
    if user.has_role(Service.CORE, Role.VIEWER):
        offers.append((AUDIT, reverse("core:audit_log")))
    # min() keeps the first of equal priorities, i.e. the order of INSTALLED_APPS.
    return min(offers, key=lambda offer: offer[0])[1] if offers else None


def previous_page(request: HttpRequest) -> str:
    """The page the person came from (the Referer), if it is on this site and not this very
    page; else "". Error pages offer it as the way back."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:  # the 400 page for a request to a host we do not serve
        return ""
    if not url_has_allowed_host_and_scheme(referer, allowed_hosts={host}, require_https=request.is_secure()):
        return ""
    return "" if referer == request.build_absolute_uri() else referer
