import pytest

from seoul.core.engine.money import format_krw


@pytest.mark.parametrize(
    ("amount", "ko", "en"),
    [
        (611_600_000_000, "6,116억 원", "KRW 611.6 billion"),
        (74_700_000_000, "747억 원", "KRW 74.7 billion"),
        (2_800_000_000, "28억 원", "KRW 2.8 billion"),
        (150_000_000, "1.5억 원", "KRW 150.0 million"),
        (99_999_999, "99,999,999원", "KRW 100.0 million"),
        (0, "0원", "KRW 0"),
        (1_234_500_000_000, "1조 2,345억 원", "KRW 1,234.5 billion"),
        (2_000_000_000_000, "2조 원", "KRW 2,000.0 billion"),
        (-50_000_000_000, "-500억 원", "-KRW 50.0 billion"),
    ],
)
def test_format_krw(amount: int, ko: str, en: str) -> None:
    assert format_krw(amount, "ko") == ko
    assert format_krw(amount, "en") == en
