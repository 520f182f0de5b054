"""Identity numbers as people type them: a table of real-world cases."""

from datetime import date

import pytest
from stdnum.cn import ric

from wushe.core.identity import InvalidIdNumber, mask_id_number, mask_phone, parse_id_number

TODAY = date(2026, 11, 24)

VALID = [
    # (as typed, stored as, birth date, gender, why it is tricky)
    ("11010519491231002X", "11010519491231002X", date(1949, 12, 31), "F", "the standard's example"),
    ("11010519491231002x", "11010519491231002X", date(1949, 12, 31), "F", "lower-case x"),
    ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", date(1949, 12, 31), "F",
     "full width"),
    (" 110105 19491231 002X ", "11010519491231002X", date(1949, 12, 31), "F", "spaces"),
    ("460106193501010016", "460106193501010016", date(1935, 1, 1), "M",
     "海口市龙华区 was created in 2002, long after this man was born"),
    ("152201200002290012", "152201200002290012", date(2000, 2, 29), "M", "a leap day"),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "stored", "birth", "gender", "why"), VALID)
def test_valid_numbers(typed, stored, birth, gender, why):
    parsed = parse_id_number(typed, today=TODAY)
    assert (parsed.number, parsed.birth_date, parsed.gender) == (stored, birth, gender), why


def test_python_stdnum_would_reject_the_elderly_mans_real_number():
    assert not ric.is_valid("460106193501010016")
    assert parse_id_number("460106193501010016", today=TODAY).area_code == "460106"


def test_fifteen_digit_legacy_number_is_converted():
    parsed = parse_id_number("110105491231002", today=TODAY)
    assert parsed.number == "11010519491231002X" and parsed.converted_from_15


INVALID = [
    ("11010519491231002", "这里是 17 位"),
    ("110105194912310021", "校验位不符：按前 17 位计算应为 X"),
    ("110105194902300027", "出生日期“19490230”不是有效日期"),
    ("110105203001010012", "出生日期“20300101”不合理"),
    ("11010519491231X02X", "前 17 位应为数字"),
    ("11010549123100A", "15 位旧身份证号只能由数字组成"),
    ("", "这里是 0 位"),
]


@pytest.mark.parametrize(("typed", "message"), INVALID)
def test_invalid_numbers_say_why(typed, message):
    with pytest.raises(InvalidIdNumber, match=message):
        parse_id_number(typed, today=TODAY)


def test_age_counts_the_birthday():
    parsed = parse_id_number("11010519491231002X")
    assert parsed.age_on(date(2026, 12, 30)) == 76
    assert parsed.age_on(date(2026, 12, 31)) == 77


def test_masks():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0482-8212345") == "*******2345"


def test_a_child_born_today_where_the_platform_keeps_time_is_accepted():
    """Today is the platform's day (TIME_ZONE, Asia/Shanghai), not the server clock's: from
    16:00 to 24:00 UTC, China's today is UTC's tomorrow."""
    from django.utils import timezone

    def born_on(day: date) -> str:
        body = f"152201{day:%Y%m%d}001"
        return body + ric.calc_check_digit(body + "0")

    today = timezone.localdate()
    assert parse_id_number(born_on(today)).birth_date == today
    with pytest.raises(InvalidIdNumber, match="不合理"):
        parse_id_number(born_on(date.fromordinal(today.toordinal() + 1)))
