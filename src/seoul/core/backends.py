"""Password sign-in as Django's ``ModelBackend``, with one query for the signed-in account.

Every signed-in request loads the account, and almost every page then asks for its service
roles (``User.role_in``) and many for its institution: three queries. This backend reads them
with one join and fills the account's role cache and institution, so they are read at the same
moment as the account, as before. Encrypted columns (the phone number) are left out: they are
decrypted only when a page actually reads them (Django loads a deferred field on access).
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth.backends import ModelBackend

from seoul.core.crypto import EncryptedTextField, blind_index
from seoul.core.engine.phone import digits, is_mobile
from seoul.core.models import Institution, ServiceRole, User

_INSTITUTION = "seoul_inst_"


def _institution_fields() -> list[Any]:
    return list(Institution._meta.concrete_fields)


@functools.cache
def _user_with_roles_sql() -> str:
    users, roles, institutions = User._meta.db_table, ServiceRole._meta.db_table, Institution._meta.db_table
    user_columns = ", ".join(
        f"u.{f.column}" for f in User._meta.concrete_fields if not isinstance(f, EncryptedTextField)
    )
    institution_columns = ", ".join(f"i.{f.column} AS {_INSTITUTION}{f.attname}" for f in _institution_fields())
    return (
        f"SELECT {user_columns}, {institution_columns}, r.service AS seoul_role_service, r.role AS seoul_role "  # noqa: S608 - model tables
        f"FROM {users} u LEFT JOIN {institutions} i ON i.id = u.institution_id "
        f"LEFT JOIN {roles} r ON r.user_id = u.id WHERE u.id = %s"
    )


class UserWithRolesBackend(ModelBackend):
    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        """A citizen may sign in with the mobile number they verified instead of a user name."""
        if username and is_mobile(username):
            found = (
                User._default_manager.filter(
                    kind=User.Kind.CITIZEN, phone_index=blind_index(digits(username), purpose="user.phone")
                )
                .values_list("username", flat=True)
                .first()
            )
            if found is not None:
                username = found
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id: Any) -> User | None:
        try:
            rows = list(User._default_manager.raw(_user_with_roles_sql(), [int(user_id)]))
        except (TypeError, ValueError):
            return None
        if not rows:
            return None
        user = rows[0]
        user._role_cache = {r.seoul_role_service: r.seoul_role for r in rows if r.seoul_role_service}  # type: ignore[attr-defined]
        if user.institution_id is not None:
            values = {f.attname: getattr(user, f"{_INSTITUTION}{f.attname}") for f in _institution_fields()}
            user._state.fields_cache["institution"] = Institution(**values)
        return user if self.user_can_authenticate(user) else None
