"""Budget pools: a product's guarantees commit the pool the city put in (the products file's
``pools``), and intake closes when it is committed — Seoul's 500 bn won emergency fund of 2020
was used up in two months (issue 18).

A guarantee commits its guaranteed amount when it is approved (automatically or by the last
examiner), under the pool row's lock, so two approvals never together pass the pool; it is
released when the file is withdrawn or the bank declines it. Screening is told what is left
(``BudgetPool.remaining_for``) so an applicant learns it before sending, and the commit checks it again.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from seoul.guarantee.actions._base import record, won
from seoul.guarantee.engine.catalogue import catalogue
from seoul.guarantee.errors import GuaranteeError
from seoul.guarantee.events import GuaranteeEvent
from seoul.guarantee.models import Application, BudgetPool, PoolCommitment


def commit(app: Application) -> PoolCommitment | None:
    """Commit an approved application's guaranteed amount to its product's pool (once); refuses
    with ``POOL_USED_UP`` when the pool cannot take it. Call inside the approving transaction."""
    product = catalogue().products.get(app.product)
    if product is None or product.pool is None:
        return None
    existing = PoolCommitment.objects.filter(application=app, released_at__isnull=True).first()
    if existing is not None:
        return existing
    pool = catalogue().pools[product.pool]
    needed = int((app.screening or {}).get("guaranteed_amount") or 0)
    with transaction.atomic():
        BudgetPool.objects.get_or_create(code=pool.code)
        row = BudgetPool.objects.select_for_update().get(code=pool.code)
        left = pool.amount - row.committed
        if needed > left:
            raise GuaranteeError.POOL_USED_UP.error(pool=pool.name_ko, remaining=won(max(0, left)), needed=won(needed))
        row.committed += needed
        row.save(update_fields=["committed", "updated_at"])
        made, _created = PoolCommitment.objects.update_or_create(
            application=app, defaults={"pool": row, "amount": needed, "released_at": None}
        )
    record(GuaranteeEvent.POOL_COMMITTED, app, new={"pool": pool.code, "amount": needed, "committed": row.committed})
    return made


def release(app: Application) -> None:
    """Give an application's commitment back to its pool (a withdrawal, a bank's decline)."""
    with transaction.atomic():
        held = PoolCommitment.objects.select_for_update().filter(application=app, released_at__isnull=True).first()
        if held is None:
            return
        row = BudgetPool.objects.select_for_update().get(pk=held.pool_id)
        row.committed = max(0, row.committed - held.amount)
        row.save(update_fields=["committed", "updated_at"])
        held.released_at = timezone.now()
        held.save(update_fields=["released_at"])
    record(GuaranteeEvent.POOL_RELEASED, app, new={"pool": row.code, "amount": held.amount, "committed": row.committed})
