"""What the business profile knows about a business: the facts every engine reads.

They come from the guarantee service's published interface (the registration and VAT documents
it fetched with the representative's consent, and the guarantee files), copied into the profile
with the representative's consent; nothing else about the business is kept (data minimisation:
these are what the stage, the eligibility rules, the scoring and the outcomes need).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (the same count the guarantee service uses)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


@dataclass(frozen=True)
class Facts:
    opened_on: date | None
    industry: str
    district: str | None  # Korean name of the Seoul district ("중구"), or None outside Seoul
    closed: bool
    prior_closure: bool
    #: Sales by calendar year (whole won), at most the last two years the VAT certificate gave.
    sales_by_year: dict[int, int] = field(default_factory=dict)
    #: Tax arrears on the latest national and local tax certificates (None: never fetched).
    tax_arrears: bool | None = None
    #: Guarantee files: how many, how many paid out as a loan, how many the bank declined.
    guarantee_files: int = 0
    guarantee_loans: int = 0
    guarantee_declined: int = 0
    #: Guaranteed loans the bank reports in arrears or defaulted.
    guarantee_in_arrears: int = 0
    #: Guaranteed loans the bank declared in default (whether or not the foundation paid yet).
    guarantee_defaulted: int = 0
    #: Programmes of this service the business completed before.
    programmes_completed: int = 0

    def months(self, today: date) -> int | None:
        return None if self.opened_on is None else max(0, months_between(self.opened_on, today))

    @property
    def sales_last_year(self) -> int | None:
        return self.sales_by_year[max(self.sales_by_year)] if self.sales_by_year else None

    @property
    def sales_year_before(self) -> int | None:
        years = sorted(self.sales_by_year)
        return self.sales_by_year[years[-2]] if len(years) > 1 else None

    @property
    def sales_growth(self) -> float | None:
        """Last year's sales over the year before's, less one (0.1: up 10 %); None if unknown."""
        last, before = self.sales_last_year, self.sales_year_before
        if last is None or not before:
            return None
        return last / before - 1

    @property
    def guarantee_good_standing(self) -> bool | None:
        """In good standing with the guarantee service as far as the platform knows: no tax
        arrears on the latest tax certificates, no loan the bank declined, and no guaranteed loan
        in arrears or defaulted. None when the tax certificates were never fetched."""
        if self.tax_arrears is None:
            return None
        return not self.tax_arrears and self.guarantee_declined == 0 and self.guarantee_in_arrears == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "opened_on": self.opened_on.isoformat() if self.opened_on else None,
            "industry": self.industry,
            "district": self.district,
            "closed": self.closed,
            "prior_closure": self.prior_closure,
            "sales_by_year": {str(y): v for y, v in sorted(self.sales_by_year.items())},
            "tax_arrears": self.tax_arrears,
            "guarantee_files": self.guarantee_files,
            "guarantee_loans": self.guarantee_loans,
            "guarantee_declined": self.guarantee_declined,
            "guarantee_in_arrears": self.guarantee_in_arrears,
            "guarantee_defaulted": self.guarantee_defaulted,
            "programmes_completed": self.programmes_completed,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Facts:
        opened = data.get("opened_on")
        sales = data.get("sales_by_year") or {}
        return cls(
            opened_on=date.fromisoformat(opened) if opened else None,
            industry=str(data.get("industry", "")),
            district=data.get("district"),
            closed=bool(data.get("closed", False)),
            prior_closure=bool(data.get("prior_closure", False)),
            sales_by_year={int(y): int(v) for y, v in sales.items()},
            tax_arrears=data.get("tax_arrears"),
            guarantee_files=int(data.get("guarantee_files", 0)),
            guarantee_loans=int(data.get("guarantee_loans", 0)),
            guarantee_declined=int(data.get("guarantee_declined", 0)),
            guarantee_in_arrears=int(data.get("guarantee_in_arrears", 0)),
            guarantee_defaulted=int(data.get("guarantee_defaulted", 0)),
            programmes_completed=int(data.get("programmes_completed", 0)),
        )
