"""Resident identity numbers (居民身份证号码, GB 11643-1999): validation and what they tell.

Validity is length, birth date and check digit after NFKC normalisation. The six-digit area
code is *not* checked against a list: counties are renamed and re-coded, and an elderly person
keeps a number whose code postdates their birth, which python-stdnum's `ric.is_valid` rejects.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from stdnum.cn import ric

EARLIEST_BIRTH_YEAR = 1880


class InvalidIdNumber(ValueError):
    """A number that cannot be a resident identity number; the message says why, in Chinese."""


@dataclass(frozen=True)
class IdNumber:
    number: str  # 18 characters, digits and a final digit or X
    birth_date: date
    gender: str  # "M" or "F": the 17th digit is odd for men
    area_code: str  # the six-digit code of where the number was issued (best effort)
    converted_from_15: bool = False

    def age_on(self, day: date) -> int:
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


def normalise(raw: str) -> str:
    """Full-width digits and Ｘ, spaces, dashes and a lower-case x are what people type."""
    raw = raw or ""
    if raw.isascii() and raw.isalnum():  # most cells: nothing to take out (NFKC keeps ASCII)
        return raw.upper()
    value = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in value if not ch.isspace() and ch != "-").upper()


def parse_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """The validated 18-digit number with its birth date, gender and area code.

    A 15-digit number (issued before 1999, the year written with two digits) is converted to
    18 digits; anything else that is not a valid number raises InvalidIdNumber.
    """
    value = normalise(raw)
    converted = False
    if len(value) == 15:
        if not value.isdigit():
            raise InvalidIdNumber("15 位旧身份证号只能由数字组成。")
        body = value[:6] + "19" + value[6:]
        value = body + ric.calc_check_digit(body + "0")
        converted = True
    if len(value) != 18:
        raise InvalidIdNumber(f"身份证号应为 18 位（或 15 位旧号），这里是 {len(value)} 位。")
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise InvalidIdNumber("身份证号前 17 位应为数字，最后一位为数字或 X。")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber(f"出生日期“{value[6:14]}”不是有效日期。") from None
    # The platform's day (TIME_ZONE), not the server clock's: a child born this morning in
    # China is not born tomorrow because the machine keeps UTC.
    today = today or datetime.now(timezone.get_default_timezone()).date()
    if birth.year < EARLIEST_BIRTH_YEAR or birth > today:
        raise InvalidIdNumber(f"出生日期“{value[6:14]}”不合理。")
    expected = ric.calc_check_digit(value)
    if value[17] != expected:
        raise InvalidIdNumber(f"校验位不符：按前 17 位计算应为 {expected}，请核对是否录错。")
    return IdNumber(
        number=value,
        birth_date=birth,
        gender="M" if int(value[16]) % 2 else "F",
        area_code=value[:6],
        converted_from_15=converted,
    )


def mask_id_number(number: str) -> str:
    """110105********002X: the area code and the last four, as on screen and in exports."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str) -> str:
    """138****5678 for a mobile number; other numbers keep only their last four."""
    digits = normalise(phone)
    if len(digits) == 11 and digits.isdigit() and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    return "*" * max(len(digits) - 4, 0) + digits[-4:]
