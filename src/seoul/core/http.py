"""Typed requests: what a view or API operation may rely on once access was checked.

Views behind ``signed_in`` or ``require_role`` take an :class:`AuthedRequest` (``user`` is a
signed-in :class:`User`); API operations with a role or token auth take an :class:`ApiRequest`
(``auth`` is that user). No view needs to cast or ignore types to reach its user.
"""

from __future__ import annotations

from django.http import HttpRequest

from seoul.core.models import User


class AuthedRequest(HttpRequest):
    user: User


class ApiRequest(HttpRequest):
    auth: User
    user: User
