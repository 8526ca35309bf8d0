"""Business registration numbers (사업자등록번호): format and check digit.

A number has ten digits, written ``XXX-XX-XXXXX``: a 3-digit office code, a 2-digit type code,
a 4-digit serial and a check digit. The check digit rule is the National Tax Service's
published one (also implemented by python-stdnum ``stdnum.kr.brn`` and by Hometax's own
form validation):

    s = d1*1 + d2*3 + d3*7 + d4*1 + d5*3 + d6*7 + d7*1 + d8*3 + d9*5
    s += (d9 * 5) // 10          # the "carry" of the ninth digit's product
    check = (10 - s % 10) % 10   # must equal d10

Known valid numbers used in the tests: 220-81-62517 and 124-81-00998 (numbers printed on
large companies' public disclosures), checked by hand against the rule above.
"""

from __future__ import annotations

WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


class InvalidBRN(ValueError):
    """The text is not a valid business registration number; ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def normalise(text: str) -> str:
    """Digits only: spaces, hyphens and dots as people write them are dropped."""
    return "".join(ch for ch in text if ch not in " -.\t")


def check_digit(first_nine: str) -> int:
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise InvalidBRN("format", "a business registration number has 10 digits")
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, WEIGHTS, strict=True))
    total += (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def validate(text: str) -> str:
    """The normalised 10-digit number, or :class:`InvalidBRN`."""
    number = normalise(text)
    if len(number) != 10 or not number.isascii() or not number.isdigit():
        raise InvalidBRN("format", "a business registration number has 10 digits, e.g. 123-45-67890")
    if number[:3] == "000" or number[5:9] == "0000":
        raise InvalidBRN("format", "the office code and the serial number cannot be zero")
    if check_digit(number[:9]) != int(number[9]):
        raise InvalidBRN("check_digit", "the check digit does not match: check the number for a typing error")
    return number


def is_valid(text: str) -> bool:
    try:
        validate(text)
    except InvalidBRN:
        return False
    return True


def make(first_nine: str) -> str:
    """Complete nine digits with their check digit (test and demo data)."""
    return first_nine + str(check_digit(first_nine))


def formatted(number: str) -> str:
    n = normalise(number)
    return f"{n[:3]}-{n[3:5]}-{n[5:]}"


def is_corporation(number: str) -> bool:
    """Type codes 81, 86, 87, 88 are corporations' head offices, 85 their branches."""
    return normalise(number)[3:5] in {"81", "85", "86", "87", "88"}
