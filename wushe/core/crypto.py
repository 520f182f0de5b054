"""The national (GM/T) primitives the platform uses: SM3 and HMAC-SM3."""

from cryptography.hazmat.primitives import hashes, hmac


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def hmac_sm3_hex(key: bytes, data: bytes) -> str:
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize().hex()
