"""What the business service states about a business for other services' rules
(``core/attestations.py``):

* ``restart_programme_completed`` — the business completed a restart education and consulting
  programme (a programme of kind ``restart_education``, its completion recorded by the
  programme's officer). The guarantee service's restart guarantee requires it.
"""

from __future__ import annotations

from seoul.business.models import BRN_PURPOSE, Programme, ProgrammeApplication
from seoul.core.crypto import blind_index

RESTART_COMPLETED = "restart_programme_completed"


def attest(brn: str) -> set[str]:
    completed = ProgrammeApplication.objects.filter(
        brn_index=blind_index(brn, purpose=BRN_PURPOSE),
        state=ProgrammeApplication.States.COMPLETED,
        programme__kind=Programme.Kind.RESTART_EDUCATION,
    )
    return {RESTART_COMPLETED} if completed.exists() else set()
