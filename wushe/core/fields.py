"""Model fields shared by the apps."""

from __future__ import annotations

from django.db import models

from wushe.core.crypto import decrypt_text, encrypt_text


class EncryptedTextField(models.TextField):
    """Free text that may hold health, family or case details: stored SM4-GCM encrypted,
    read back as plain text. The column's name is authenticated with the value, so a value
    copied into another column does not decrypt. It cannot be searched or filtered on."""

    def contribute_to_class(self, cls, name, *args, **kwargs) -> None:
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.crypto_context = f"{cls._meta.label_lower}.{name}"

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt_text(value, context=self.crypto_context)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt_text(value, context=self.crypto_context)
