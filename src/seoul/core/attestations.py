"""What one service states about a business for another service's rules, without the two
importing each other (DESIGN.md §1): an app may define ``<app>.attestations.attest(brn)``
returning the names of what it can state about the business of that registration number
(e.g. ``restart_programme_completed``); :func:`about_business` gathers them all through the
core's registry. The name is all that crosses: no personal data, no records.

Each name's meaning is documented where it is made (``business/attestations.py``) and where it
is used (``guarantee/reference/products.json``, ``requires_attested``).
"""

from __future__ import annotations

from seoul.core.registry import app_modules


def about_business(brn: str) -> frozenset[str]:
    """Everything the platform's services attest about the business of ``brn``."""
    found: set[str] = set()
    for _label, module in app_modules("attestations"):
        found |= set(module.attest(brn))
    return frozenset(found)
