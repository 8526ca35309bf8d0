"""Staff accounts for the browser tests: one way to make them, so each test says only who the
person is (institution, service role) and what else its service needs (a post, a profile)."""

from __future__ import annotations

from typing import Any


def new_staff(username: str, password: str, institution: str, service: str = "", role: str = "", **fields: Any) -> Any:
    """A staff user of ``institution`` (its code) holding ``role`` in ``service`` (when given),
    with ``test_password`` set for ``sign_in``; ``fields`` go to the user (``display_name``…)."""
    from seoul.core.models import Institution, ServiceRole, User

    user = User.objects.create_user(
        username=username,
        password=password,
        kind=User.Kind.STAFF,
        institution=Institution.objects.get(code=institution),
        **fields,
    )
    if service and role:
        ServiceRole.objects.create(user=user, service=service, role=role)
    user.test_password = password
    return user
