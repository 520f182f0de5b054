"""Password policy beyond Django's validators: mixed character classes (等保 2.0)."""

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def character_classes(password: str) -> int:
    classes = [
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_classes")

    def get_help_text(self) -> str:
        return _("密码须至少包含小写字母、大写字母、数字、符号中的 %(n)d 类。") % {
            "n": self.min_classes
        }
