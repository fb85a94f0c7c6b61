"""API keys of Open311 clients (a hotline system, an app): one per named client and federation node."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from unionhub.core.choices import Action, Role
from unionhub.core.models import CopiesScope, Federation, path_index
from unionhub.core.scoping import ScopedManager, ScopeSpec

# What a key starts with, so that one pasted into a ticket or a log is recognised for what it is.
KEY_PREFIX = "uh311_"


def hash_key(key: str) -> str:
    """Keys are 32 random bytes: a plain SHA-256 is enough to keep them unreadable (no slow hash needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class Open311Key(CopiesScope):
    """An Open311 client's API key. Shown once when made, stored only as its hash.

    The key's federation is the client's whole world: GET answers grievances of that node and
    the nodes below it, and POSTs are filed there. Federation staff of the node make and revoke
    keys in the admin; nobody else sees them.
    """

    scope_parent = "federation"

    federation = models.ForeignKey(
        Federation, models.PROTECT, related_name="open311_keys", verbose_name=_("federation")
    )
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    name = models.CharField(_("client"), max_length=100, help_text=_("Who uses the key, e.g. “12351 hotline system”."))
    prefix = models.CharField(
        _("key begins with"), max_length=16, editable=False, help_text=_("To tell keys apart; the rest is not kept.")
    )
    key_hash = models.CharField(_("key (hashed)"), max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("made by"),
    )
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    scope_spec = ScopeSpec(federation="federation_path", only={Role.FEDERATION_STAFF: frozenset(Action.values)})
    objects = ScopedManager()

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        indexes = [path_index("events_open311key_fedpath", "id")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
