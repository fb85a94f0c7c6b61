"""Members (会员): the identity columns of 2 million workers, protected as DESIGN.md rule 3 says."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from unionhub.core.choices import ZONE_ROLES, Action, Role
from unionhub.core.models import CopiesScope, ProtectedIdNumber, ProtectedPhone, path_index
from unionhub.core.scoping import ScopedManager, ScopeSpec
from zones.models import GrassrootsUnion, Zone

from .choices import MemberStatus, Occupation, WorkForm
from .search import name_bigrams

PERSONAL_FIELDS = ["phone_encrypted", "phone_hash", "id_number_encrypted", "id_number_hash"]


class Member(CopiesScope, ProtectedPhone, ProtectedIdNumber):
    """A union member. Not a Django user: members prove themselves with a code sent to their phone.

    ``zone`` and ``federation_path`` are copies of the union's, kept in step by
    zones.actions.sync_union_copies, so that scoping is one indexed condition.
    """

    name = models.CharField(_("full name"), max_length=50)
    name_bigrams = ArrayField(models.CharField(max_length=2), default=list, editable=False)
    member_number = models.CharField(_("member number"), max_length=20, unique=True, null=True, editable=False)
    union = models.ForeignKey(GrassrootsUnion, models.PROTECT, related_name="members", verbose_name=_("union"))
    zone = models.ForeignKey(Zone, models.SET_NULL, null=True, blank=True, editable=False, verbose_name=_("zone"))
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=MemberStatus.choices, default=MemberStatus.ACTIVE)
    occupation = models.CharField(_("occupation"), max_length=32, choices=Occupation.choices, default=Occupation.OTHER)
    work_form = models.CharField(_("work form"), max_length=16, choices=WorkForm.choices, default=WorkForm.STANDARD)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Zone workers and union chairs keep their members' records; reveal stays with federation staff.
    scope_parent = "union"
    scope_spec = ScopeSpec(
        federation="federation_path",
        zone="zone_id",
        union="union_id",
        extra={role: frozenset({Action.VIEW, Action.CHANGE, Action.ADD}) for role in [*ZONE_ROLES, Role.UNION_CHAIR]},
    )
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=[*PERSONAL_FIELDS, "name_bigrams", "federation_path"])

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        indexes = [
            path_index("members_member_fedpath", "id"),
            models.Index(fields=["zone", "id"], name="members_member_zone_id"),
            models.Index(fields=["union", "id"], name="members_member_union_id"),
            models.Index(fields=["phone_hash"], name="members_member_phone_hash"),
            models.Index(fields=["id_number_hash"], name="members_member_idno_hash"),
            models.Index(fields=["name"], name="members_member_name", opclasses=["varchar_pattern_ops"]),
            GinIndex(fields=["name_bigrams"], name="members_member_name_bigrams"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_name(self) -> str:
        return self.name[:1] + "*" * max(1, len(self.name) - 1)

    def clean(self) -> None:
        self.name = " ".join(self.name.split())
        if not self.name:
            raise ValidationError({"name": _("Enter the member's name.")})

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_bigrams = name_bigrams(self.name)
        super().save(*args, **kwargs)
