"""The logistics subsidy: a share of the shipping cost on a receipt, capped per business per
round.

    payable = min(floor(cost × rate ÷ 100), cap − already paid)     (never below 0)

in whole won (the share is rounded down: the programme never pays a fraction of a won more than
its rate). A receipt below the programme's minimum cost or above its maximum is not eligible.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Calculation:
    cost_won: int
    rate_percent: int
    share_won: int  # cost × rate, rounded down
    cap_won: int
    paid_before_won: int
    remaining_before_won: int
    payable_won: int
    capped: bool

    @property
    def remaining_after_won(self) -> int:
        return self.remaining_before_won - self.payable_won

    def to_dict(self) -> dict[str, int | bool]:
        return {
            "cost_won": self.cost_won,
            "rate_percent": self.rate_percent,
            "share_won": self.share_won,
            "cap_won": self.cap_won,
            "paid_before_won": self.paid_before_won,
            "remaining_before_won": self.remaining_before_won,
            "payable_won": self.payable_won,
            "remaining_after_won": self.remaining_after_won,
            "capped": self.capped,
        }


def remaining(cap_won: int, paid_won: int) -> int:
    return max(cap_won - paid_won, 0)


def calculate(cost_won: int, *, rate_percent: int, cap_won: int, paid_before_won: int) -> Calculation:
    if cost_won < 0 or paid_before_won < 0 or cap_won < 0:
        raise ValueError("amounts are never negative")
    if not 0 <= rate_percent <= 100:
        raise ValueError("the rate is a percentage from 0 to 100")
    share = cost_won * rate_percent // 100
    left = remaining(cap_won, paid_before_won)
    payable = min(share, left)
    return Calculation(cost_won, rate_percent, share, cap_won, paid_before_won, left, payable, payable < share)
