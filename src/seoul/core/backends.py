"""Password sign-in as Django's ``ModelBackend``, with one query for the signed-in account.

Every signed-in request loads the account, and almost every page then asks for its service
roles (``User.role_in``): two queries. This backend reads both with one join and fills the
account's role cache, so the roles are read at the same moment as the account, as before.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth.backends import ModelBackend

from seoul.core.models import ServiceRole, User


@functools.cache
def _user_with_roles_sql() -> str:
    users, roles = User._meta.db_table, ServiceRole._meta.db_table
    return (
        f"SELECT u.*, r.service AS seoul_role_service, r.role AS seoul_role FROM {users} u "  # noqa: S608 - model tables
        f"LEFT JOIN {roles} r ON r.user_id = u.id WHERE u.id = %s"
    )


class UserWithRolesBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            rows = list(User._default_manager.raw(_user_with_roles_sql(), [int(user_id)]))
        except (TypeError, ValueError):
            return None
        if not rows:
            return None
        user = rows[0]
        user._role_cache = {r.seoul_role_service: r.seoul_role for r in rows if r.seoul_role_service}  # type: ignore[attr-defined]
        return user if self.user_can_authenticate(user) else None
