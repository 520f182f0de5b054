"""Personal data at rest: SM4-GCM with key rotation, and a keyed blind index."""

import base64

import pytest

from wushe.core.crypto import (
    DecryptionError,
    blind_index,
    decrypt_text,
    encrypt_text,
    needs_rekey,
)

OLD = ("k2025", base64.b64decode(base64.b64encode(b"0123456789abcdef")))
NEW = ("k2026", b"fedcba9876543210")


def test_round_trip_and_no_plaintext_in_the_ciphertext(settings):
    settings.FIELD_KEYS = [NEW]
    token = encrypt_text("11010519491231002X", context="people.person.id_number")
    assert token.startswith("sm4gcm:k2026:") and "1101051949" not in token
    assert decrypt_text(token, context="people.person.id_number") == "11010519491231002X"


def test_same_value_encrypts_differently_each_time(settings):
    settings.FIELD_KEYS = [NEW]
    assert encrypt_text("13812345678", context="c") != encrypt_text("13812345678", context="c")


def test_a_value_moved_to_another_column_does_not_decrypt(settings):
    settings.FIELD_KEYS = [NEW]
    token = encrypt_text("13812345678", context="people.person.phone")
    with pytest.raises(DecryptionError):
        decrypt_text(token, context="people.person.id_number")


def test_an_altered_ciphertext_does_not_decrypt(settings):
    settings.FIELD_KEYS = [NEW]
    scheme, key_id, blob = encrypt_text("13812345678", context="c").split(":")
    raw = bytearray(base64.b64decode(blob))
    raw[14] ^= 1
    with pytest.raises(DecryptionError):
        decrypt_text(f"{scheme}:{key_id}:{base64.b64encode(bytes(raw)).decode()}", context="c")


def test_rotation_reads_old_values_and_flags_them_for_rekeying(settings):
    settings.FIELD_KEYS = [OLD]
    token = encrypt_text("13812345678", context="c")
    settings.FIELD_KEYS = [NEW, OLD]
    assert decrypt_text(token, context="c") == "13812345678"
    assert needs_rekey(token) and not needs_rekey(encrypt_text("x", context="c"))
    settings.FIELD_KEYS = [NEW]
    with pytest.raises(DecryptionError):
        decrypt_text(token, context="c")


def test_blind_index_is_stable_keyed_and_per_column(settings):
    settings.BLIND_INDEX_KEY = b"k" * 32
    a = blind_index("11010519491231002X", context="id")
    assert a == blind_index("11010519491231002X", context="id")
    assert a != blind_index("11010519491231002X", context="phone")
    settings.BLIND_INDEX_KEY = b"j" * 32
    assert a != blind_index("11010519491231002X", context="id")
