"""Companies (법인): the rules about a company that applies, apart from reading its documents
(``documents.py`` reads them defensively and builds the values below).

* **Corporate registration number** (법인등록번호): 13 digits ``XXXXXX-XXXXXXX`` — a 4-digit
  registry office (등기관서), a 2-digit kind of company (법인종류), a 6-digit serial and a check
  digit (오류검색번호). The check digit: the first twelve digits multiplied in turn by 1 and 2
  and the products added up; ``check = (10 − sum mod 10) mod 10``. This is the assignment rule
  as public references quote it (e.g. the 오류검색번호 산출방식 worked through on
  110111-006243 → 2); checked by hand on 130111-0006246 and 110111-0085450, numbers printed in
  two large companies' public disclosures (a rule that added the digits of each product instead,
  as some code does, gives 5 for the first, not 6).
* **Who represents a company**: a director whose role on the corporate registration is
  대표이사 (상법 제389조: the board of a 주식회사 appoints the director who represents it).
* **Affiliation with a large enterprise group** (상호출자제한기업집단): a company belongs to a
  group when the group holds 30 % or more of its shares and is its largest shareholder
  (독점규제 및 공정거래에 관한 법률 시행령, 기업집단의 범위: 제4조 제1호). The other way a
  company belongs to a group, the group's de facto control of its management (제4조 제2호),
  cannot be read from a shareholder register: any smaller holding of a group is left to an
  examiner.
* **Capital fully impaired** (완전자본잠식): total equity of zero or less.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

CRN_WEIGHTS = (1, 2) * 6
CHIEF_EXECUTIVE = "대표이사"
IN_FORCE, DISSOLVED, LIQUIDATION = "in_force", "dissolved", "liquidation"
STATUSES = (IN_FORCE, DISSOLVED, LIQUIDATION)
PERSON, CORPORATION = "person", "corporation"
SHAREHOLDER_KINDS = (PERSON, CORPORATION)
# A group that holds at least this share of the company's shares, and the most, controls it.
AFFILIATE_NUMERATOR, AFFILIATE_DENOMINATOR = 30, 100
# How a company's legal form is written before or after its name on one document or another.
_FORMS = ("주식회사", "(주)", "유한회사", "(유)", "유한책임회사", "합자회사", "합명회사")


# --- the corporate registration number ---------------------------------------------------------


def crn_normalise(text: str) -> str:
    """Digits as written, without the spaces and hyphens people write between them."""
    return "".join(ch for ch in text if ch not in " -\t")


def crn_check_digit(first_twelve: str) -> int:
    if len(first_twelve) != 12 or not (first_twelve.isascii() and first_twelve.isdigit()):
        raise ValueError("a corporate registration number has 13 digits")
    total = sum(int(d) * w for d, w in zip(first_twelve, CRN_WEIGHTS, strict=True))
    return (10 - total % 10) % 10


def is_valid_crn(text: str) -> bool:
    """13 digits (``XXXXXX-XXXXXXX``), a registry office and a serial that are not zero, and
    the check digit of the first twelve."""
    number = crn_normalise(text)
    if len(number) != 13 or not (number.isascii() and number.isdigit()):
        return False
    if number[:4] == "0000" or number[6:12] == "000000":
        return False
    return crn_check_digit(number[:12]) == int(number[12])


def make_crn(first_twelve: str) -> str:
    """Complete twelve digits with their check digit (test and demo data)."""
    return first_twelve + str(crn_check_digit(first_twelve))


def formatted_crn(number: str) -> str:
    n = crn_normalise(number)
    return f"{n[:6]}-{n[6:]}"


# --- names -------------------------------------------------------------------------------------


def company_name(text: str) -> str:
    """A company's name as compared between documents: Unicode normalised (NFKC: ㈜ and full-width
    brackets as plain ones), without spaces, case-folded, and without its legal form written
    before or after it (주식회사 한강 = (주)한강 = 한강㈜)."""
    name = "".join(unicodedata.normalize("NFKC", text).split())
    for form in _FORMS:
        if name.startswith(form):
            name = name.removeprefix(form)
        if name.endswith(form):
            name = name.removesuffix(form)
    return name.casefold()


# --- what the documents state ----------------------------------------------------------------


@dataclass(frozen=True)
class Director:
    name: str
    role: str  # 대표이사, 사내이사, 사외이사, 감사 …

    @property
    def chief_executive(self) -> bool:
        return self.role == CHIEF_EXECUTIVE


@dataclass(frozen=True)
class Shareholder:
    name: str
    kind: str  # person | corporation
    shares: int
    large_group: bool = False  # belongs to a 상호출자제한기업집단


@dataclass(frozen=True)
class Register:
    """The shareholder register (주주명부): every holder (the company itself for its own
    shares) and the number of shares issued."""

    shareholders: tuple[Shareholder, ...]
    total_shares: int

    @property
    def adds_up(self) -> bool:
        return sum(s.shares for s in self.shareholders) == self.total_shares

    def share_of(self, shares: int) -> float:
        return shares / self.total_shares if self.total_shares else 0.0

    def largest(self, n: int = 3) -> list[tuple[Shareholder, float]]:
        """The ``n`` largest holders, largest first, each with their share of the shares issued."""
        ranked = sorted(self.shareholders, key=lambda s: (-s.shares, s.name))[:n]
        return [(s, self.share_of(s.shares)) for s in ranked]

    @property
    def group_shares(self) -> int:
        return sum(s.shares for s in self.shareholders if s.large_group)

    @property
    def affiliate(self) -> bool:
        """The holders of a large enterprise group together hold 30 % or more of the shares and
        more than any other holder: the company belongs to the group."""
        group = self.group_shares
        if group == 0:
            return False
        others = max((s.shares for s in self.shareholders if not s.large_group), default=0)
        return group * AFFILIATE_DENOMINATOR >= self.total_shares * AFFILIATE_NUMERATOR and group >= others

    @property
    def group_shareholder(self) -> bool:
        """A holder belongs to a large enterprise group (whether or not the company is its affiliate)."""
        return self.group_shares > 0


@dataclass(frozen=True)
class Statements:
    """The financial statements of the last fiscal year (재무제표), in won."""

    fiscal_year: int
    revenue: int
    operating_profit: int
    total_assets: int
    total_liabilities: int
    total_equity: int

    @property
    def balances(self) -> bool:
        return self.total_assets == self.total_liabilities + self.total_equity

    def recent(self, today: date) -> bool:
        """The last fiscal year, or the one before while last year's are not yet filed (a
        company files them with its corporate tax return, within three months of the year's
        end: 법인세법 제60조)."""
        return today.year - 2 <= self.fiscal_year <= today.year - 1

    @property
    def capital_impaired(self) -> bool:
        """Total equity of zero or less (완전자본잠식)."""
        return self.total_equity <= 0
