"""Encryption and keyed hashing of personal data (DESIGN.md rule 3).

Values are encrypted with AES-256-GCM (a fresh 96-bit nonce each time, one version byte in
front so keys can be rotated later) and looked up through an HMAC-SHA256 of their
normalised form, so equality search never needs the plaintext.
"""

import base64
import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_VERSION = b"\x01"


def _key(setting: str) -> bytes:
    raw = base64.b64decode(getattr(settings, setting))
    if len(raw) < 32:
        raise ImproperlyConfigured(f"{setting} must be at least 32 bytes, base64-encoded")
    return raw[:32]


@functools.cache
def _aead() -> AESGCM:
    return AESGCM(_key("FIELD_ENCRYPTION_KEY"))


@functools.cache
def _hash_key() -> bytes:
    return _key("FIELD_HASH_KEY")


def encrypt(plaintext: str) -> bytes:
    nonce = os.urandom(12)
    return _VERSION + nonce + _aead().encrypt(nonce, plaintext.encode(), None)


def decrypt(token: bytes | memoryview) -> str:
    token = bytes(token)
    if token[:1] != _VERSION:
        raise ValueError("unknown ciphertext version")
    return _aead().decrypt(token[1:13], token[13:], None).decode()


def keyed_hash(normalised: str) -> str:
    """Hex HMAC-SHA256 of an already normalised value (see the normalise_* validators)."""
    return hmac.new(_hash_key(), normalised.encode(), hashlib.sha256).hexdigest()
