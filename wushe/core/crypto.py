"""The national (GM/T) primitives the platform uses: SM3, HMAC-SM3 and SM4-GCM."""

import base64
import functools
import os

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


@functools.lru_cache(maxsize=8)
def _keyed(key: bytes) -> hmac.HMAC:
    """A keyed HMAC-SM3 to copy: the key is prepared once, not for every digest."""
    return hmac.HMAC(key, hashes.SM3())


def hmac_sm3_hex(key: bytes, data: bytes) -> str:
    mac = _keyed(key).copy()
    mac.update(data)
    return mac.finalize().hex()


# --- personal data at rest: SM4-GCM and an SM3-HMAC blind index (docs/adr/0004) -----------

SCHEME = "sm4gcm"


class DecryptionError(ValueError):
    """A ciphertext that is not ours, was altered, or whose key is no longer configured."""


def _keys() -> dict[str, bytes]:
    return dict(settings.FIELD_KEYS)


def encrypt_text(plaintext: str, *, context: str) -> str:
    """`sm4gcm:<key id>:<base64 nonce‖ciphertext‖tag>`; `context` (e.g. the column's name) is
    authenticated, so a value copied into another column does not decrypt."""
    return encrypt_bytes(plaintext.encode(), context=context)


def decrypt_text(token: str, *, context: str) -> str:
    return decrypt_bytes(token, context=context).decode()


def encrypt_bytes(data: bytes, *, context: str) -> str:
    """Bytes (a photo) in the same text form as `encrypt_text`."""
    key_id, key = settings.FIELD_KEYS[0]
    nonce = os.urandom(12)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(context.encode())
    body = encryptor.update(data) + encryptor.finalize()
    blob = base64.b64encode(nonce + body + encryptor.tag).decode()
    return f"{SCHEME}:{key_id}:{blob}"


def decrypt_bytes(token: str, *, context: str) -> bytes:
    try:
        scheme, key_id, blob = token.split(":", 2)
        key = _keys()[key_id]
        raw = base64.b64decode(blob, validate=True)
        if scheme != SCHEME or len(raw) < 28:
            raise ValueError(scheme)
        nonce, body, tag = raw[:12], raw[12:-16], raw[-16:]
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(context.encode())
        return decryptor.update(body) + decryptor.finalize()
    except Exception as exc:  # any failure is the same answer: this value cannot be read
        raise DecryptionError("cannot decrypt this value with the configured keys") from exc


def needs_rekey(token: str) -> bool:
    """Whether `token` was encrypted with a key other than the current one (rotation)."""
    return token.split(":", 2)[1] != settings.FIELD_KEYS[0][0]


def blind_index(value: str, *, context: str) -> str:
    """A keyed digest for exact lookup and deduplication without storing the value."""
    return hmac_sm3_hex(settings.BLIND_INDEX_KEY, f"{context}\x00{value}".encode())
