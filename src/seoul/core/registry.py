"""Hooks that each service app offers to the platform, found by module name.

An app may define ``<app>.reference.load()`` (reference data), ``<app>.demo.load()`` (demo
data), ``<app>.cli.group`` (a click group of ``seoul <app> ...`` sub-commands),
``<app>.nav.items`` (menu entries; optionally ``nav.worklist``, where its staff land, see
``core/navigation.py``), ``<app>.retention.POLICIES`` (``core/retention.py``) and
``<app>.badges.KINDS`` (what each status means, ``core/badges.py``) and
``<app>.attestations.attest`` (what it states about a business for other services' rules,
``core/attestations.py``). The core
finds them in the order of ``INSTALLED_APPS``; it never imports an app's models.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

from django.apps import apps

HOOKS = {
    "reference": "load",
    "demo": "load",
    "cli": "group",
    "nav": "items",
    "retention": "POLICIES",
    "badges": "KINDS",
    "attestations": "attest",
}


def app_modules(name: str) -> Iterator[tuple[str, ModuleType]]:
    """Each app's ``<app>.<name>`` module that defines the hook (a data folder of the same
    name, importable as a namespace package, is not a hook)."""
    for config in apps.get_app_configs():
        if not config.name.startswith("seoul."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.{name}":
                raise
            continue
        if hasattr(module, HOOKS[name]):
            yield config.label, module
