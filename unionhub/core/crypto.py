"""Encryption and keyed hashing of personal data (DESIGN.md rule 3).

Values are encrypted with AES-256-GCM (a fresh 96-bit nonce each time) and looked up through
an HMAC-SHA256 of their normalised form, so equality search never needs the plaintext.

Key rotation: a ciphertext starts with a version byte. Version 2 (written now) is followed by
the first four bytes of the SHA-256 of the key that encrypted it, so the right key is found
at once and rows under an old key are found in SQL; version 1 (written before rotation
existed) names no key and is tried with every key. ``FIELD_ENCRYPTION_KEY`` encrypts;
``FIELD_ENCRYPTION_OLD_KEYS`` (comma-separated) still decrypt until ``manage.py
rotate_field_key`` (unionhub.core.rotation) has re-encrypted every column under the new key,
after which they may be removed. The hash key is not rotated: look-ups depend on it.
"""

import base64
import functools
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

_V1 = b"\x01"  # version byte, nonce, ciphertext (the key is not named)
_V2 = b"\x02"  # version byte, key id (4 bytes), nonce, ciphertext
KEY_ID_BYTES = 4


def _decode(setting: str, value: str) -> bytes:
    raw = base64.b64decode(value)
    if len(raw) < 32:
        raise ImproperlyConfigured(f"{setting} must be at least 32 bytes, base64-encoded")
    return raw[:32]


def _key(setting: str) -> bytes:
    return _decode(setting, getattr(settings, setting))


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()[:KEY_ID_BYTES]


@functools.cache
def _current() -> tuple[bytes, AESGCM]:
    key = _key("FIELD_ENCRYPTION_KEY")
    return key_id(key), AESGCM(key)


@functools.cache
def _all_keys() -> dict[bytes, AESGCM]:
    """Every key that may decrypt, the current one first."""
    keys = [_key("FIELD_ENCRYPTION_KEY")]
    for value in getattr(settings, "FIELD_ENCRYPTION_OLD_KEYS", []) or []:
        if value.strip():
            keys.append(_decode("FIELD_ENCRYPTION_OLD_KEYS", value.strip()))
    return {key_id(key): AESGCM(key) for key in keys}


@functools.cache
def _hash_key() -> bytes:
    return _key("FIELD_HASH_KEY")


@receiver(setting_changed)
def _reset(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("FIELD_"):
        reset_keys()


def reset_keys() -> None:
    for cached in (_current, _all_keys, _hash_key):
        cached.cache_clear()


def current_prefix() -> bytes:
    """What every ciphertext under the current key starts with (rotation looks for the others)."""
    return _V2 + _current()[0]


def encrypt(plaintext: str) -> bytes:
    return encrypt_bytes(plaintext.encode())


def encrypt_bytes(data: bytes) -> bytes:
    kid, aead = _current()
    nonce = os.urandom(12)
    return _V2 + kid + nonce + aead.encrypt(nonce, data, None)


def decrypt(token: bytes | memoryview) -> str:
    return decrypt_bytes(token).decode()


def decrypt_bytes(token: bytes | memoryview) -> bytes:
    token = bytes(token)
    if token[:1] == _V2:
        aead = _all_keys().get(token[1 : 1 + KEY_ID_BYTES])
        if aead is None:
            raise ValueError("encrypted under a key that is not configured")
        body = token[1 + KEY_ID_BYTES :]
        return aead.decrypt(body[:12], body[12:], None)
    if token[:1] == _V1:
        for aead in _all_keys().values():
            try:
                return aead.decrypt(token[1:13], token[13:], None)
            except InvalidTag:
                continue
        raise ValueError("encrypted under a key that is not configured")
    raise ValueError("unknown ciphertext version")


def is_current(token: bytes | memoryview) -> bool:
    return bytes(token[: 1 + KEY_ID_BYTES]) == current_prefix()


def reencrypt(token: bytes | memoryview) -> bytes:
    """The same plaintext under the current key (a token already under it is returned as it is)."""
    return bytes(token) if is_current(token) else encrypt_bytes(decrypt_bytes(token))


def keyed_hash(normalised: str) -> str:
    """Hex HMAC-SHA256 of an already normalised value (see the normalise_* validators)."""
    return hmac.new(_hash_key(), normalised.encode(), hashlib.sha256).hexdigest()
