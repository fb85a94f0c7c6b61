"""Members (会员): the identity columns of 2 million workers, protected as DESIGN.md rule 3 says."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from unionhub.core.choices import ZONE_ROLES, Action, Role
from unionhub.core.models import CopiesScope, Federation, Job, ProtectedIdNumber, ProtectedPhone, path_index
from unionhub.core.scoping import EndsScopeSpec, ScopedManager, ScopedQuerySet, ScopeSpec
from zones.models import GrassrootsUnion, Zone

from .choices import (
    ApplicationStatus,
    CorrectionField,
    CorrectionStatus,
    ImportStatus,
    JoinChannel,
    MemberStatus,
    Occupation,
    TransferSide,
    TransferStatus,
    WorkForm,
)
from .search import name_bigrams

PERSONAL_FIELDS = ["phone_encrypted", "phone_hash", "id_number_encrypted", "id_number_hash"]
# A membership that still holds (a lapsed member may come back): one per person and federation.
LIVE_STATUSES = [MemberStatus.APPLIED.value, MemberStatus.ACTIVE.value, MemberStatus.LAPSED.value]


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
    left_on = models.DateField(
        _("left on"), null=True, blank=True, help_text=_("When the membership was transferred, lapsed or withdrawn.")
    )
    employer = models.CharField(
        _("employer or platform"), max_length=150, blank=True, help_text=_("For riders and drivers: the platform.")
    )
    is_model_worker = models.BooleanField(_("model worker"), default=False)
    is_craftsman = models.BooleanField(_("craftsman"), default=False)
    in_hardship = models.BooleanField(_("in hardship"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Optional, drawn on the card; a private file (never served), re-encoded by unionhub.core.images.
    photo = models.FileField(_("photo"), upload_to="member-photos/%Y/%m/", blank=True, editable=False)
    anonymised_on = models.DateField(
        _("anonymised on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set when the retention job erased the personal data of a withdrawn member."),
    )
    merged_into = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        db_index=False,  # a partial index below: almost every row is NULL
        related_name="merged_records",
        verbose_name=_("merged into"),
        help_text=_("A duplicate record ends merged, pointing at the record that was kept."),
    )

    # Zone workers and union chairs keep their members' records; reveal stays with federation staff.
    scope_parent = "union"
    scope_spec = ScopeSpec(
        federation="federation_path",
        zone="zone_id",
        union="union_id",
        extra={role: frozenset({Action.VIEW, Action.CHANGE, Action.ADD}) for role in [*ZONE_ROLES, Role.UNION_CHAIR]},
    )
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=[*PERSONAL_FIELDS, "name_bigrams", "federation_path", "photo"])

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
            models.Index(
                fields=["merged_into"], condition=models.Q(merged_into__isnull=False), name="members_member_merged_into"
            ),
            # The retention job's candidates: withdrawn, not yet anonymised (a small part of the table).
            models.Index(
                fields=["left_on"],
                condition=models.Q(status="withdrawn", anonymised_on__isnull=True),
                name="members_member_to_anonymise",
            ),
        ]
        constraints = [
            # The same person is a live member at most once per federation (merge duplicates first).
            models.UniqueConstraint(
                fields=["federation_path", "id_number_hash"],
                condition=models.Q(status__in=LIVE_STATUSES) & ~models.Q(id_number_hash=""),
                name="members_one_live_membership_per_federation",
                violation_error_message=_("This ID number is already a member in this federation."),
            ),
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


class JoinApplication(CopiesScope, ProtectedPhone, ProtectedIdNumber):
    """A worker's application to join, made by scanning a joining QR code and proving their phone.

    It waits for the union's chair or a zone worker, who approves it (a Member is created) or
    refuses it with a reason. ``union`` is where the worker asked to join; a new-employment-form
    worker with no grassroots union of their own goes to the county's holding pool (周转库).
    ``member_elsewhere`` is the answer of the narrow cross-scope check (an active membership
    with the same ID number anywhere): a yes or no, never whose.
    """

    scope_parent = "union"

    name = models.CharField(_("full name"), max_length=50)
    union = models.ForeignKey(GrassrootsUnion, models.PROTECT, related_name="applications", verbose_name=_("union"))
    zone = models.ForeignKey(Zone, models.SET_NULL, null=True, blank=True, editable=False, verbose_name=_("zone"))
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    channel = models.CharField(_("joined through"), max_length=16, choices=JoinChannel.choices)
    employer = models.CharField(_("employer or platform"), max_length=150, blank=True)
    occupation = models.CharField(_("occupation"), max_length=32, choices=Occupation.choices, default=Occupation.OTHER)
    work_form = models.CharField(_("work form"), max_length=16, choices=WorkForm.choices, default=WorkForm.STANDARD)
    member_elsewhere = models.BooleanField(_("already a member elsewhere"), default=False, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why the application was refused."))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    member = models.OneToOneField(
        Member, models.SET_NULL, null=True, blank=True, related_name="application", verbose_name=_("member")
    )
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    # The separate consent (PIPL art. 29) to the ID number's processing: which wording
    # (unionhub.core.consents) the worker ticked, and when. Empty on applications filed before
    # the tick box existed. Kept here, not copied to the member: the member links back to it.
    consent_version = models.CharField(
        _("consent version"),
        max_length=40,
        blank=True,
        editable=False,
        help_text=_("The wording of the separate consent to the ID number's processing that the worker ticked."),
    )
    consented_at = models.DateTimeField(_("consented at"), null=True, blank=True, editable=False)

    # The union's chair and the zone's workers decide; federation staff too (ROLE_ACTIONS).
    scope_spec = ScopeSpec(
        federation="federation_path",
        zone="zone_id",
        union="union_id",
        extra={role: frozenset({Action.VIEW, Action.APPROVE}) for role in [*ZONE_ROLES, Role.UNION_CHAIR]},
    )
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=[*PERSONAL_FIELDS, "federation_path"])

    class Meta:
        verbose_name = _("join application")
        verbose_name_plural = _("join applications")
        indexes = [
            path_index("members_application_fedpath", "id"),
            models.Index(fields=["union", "status"], name="members_application_union"),
            models.Index(fields=["id_number_hash"], name="members_application_idno"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash", "union"],
                condition=models.Q(status="submitted"),
                name="members_one_open_application_per_union",
                violation_error_message=_("An application with this ID number is already waiting for this union."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.union}"

    @property
    def masked_name(self) -> str:
        return self.name[:1] + "*" * max(1, len(self.name) - 1)

    def clean(self) -> None:
        self.name = " ".join(self.name.split())
        if not self.name:
            raise ValidationError({"name": _("Enter your full name.")})
        if self.status == ApplicationStatus.REFUSED and not self.reason.strip():
            raise ValidationError({"reason": _("Say why the application is refused.")})


class CorrectionRequest(CopiesScope, ProtectedPhone, ProtectedIdNumber):
    """A member's request, from their own card page, to correct one field of their record.

    The union's chair, the zone's workers or federation staff approve it (the change goes
    through members.actions.do_save_member, with history) or refuse it with a reason; the
    member sees the outcome on the card page. A new phone or ID number is stored like a
    member's (encrypted, keyed hash, masked) and erased from the request once it is decided;
    other values are in ``value``. Scoped like the member.
    """

    scope_parent = "member"

    member = models.ForeignKey(Member, models.CASCADE, related_name="corrections", verbose_name=_("member"))
    union = models.ForeignKey(
        GrassrootsUnion, models.PROTECT, related_name="+", editable=False, verbose_name=_("union")
    )
    zone = models.ForeignKey(Zone, models.SET_NULL, null=True, blank=True, editable=False, verbose_name=_("zone"))
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    field = models.CharField(_("what to correct"), max_length=16, choices=CorrectionField.choices)
    value = models.CharField(
        _("corrected value"),
        max_length=150,
        blank=True,
        help_text=_("Empty for a phone or ID number (stored encrypted)."),
    )
    reason = models.TextField(_("why"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CorrectionStatus.choices, default=CorrectionStatus.WAITING
    )
    refusal_reason = models.TextField(_("why refused"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)

    # The member's keepers (union chair, zone workers) decide; federation staff too.
    scope_spec = ScopeSpec(
        federation="federation_path",
        zone="zone_id",
        union="union_id",
        extra={role: frozenset({Action.VIEW, Action.APPROVE}) for role in [*ZONE_ROLES, Role.UNION_CHAIR]},
    )
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=[*PERSONAL_FIELDS, "federation_path"])

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        indexes = [
            path_index("members_correction_fedpath", "id"),
            models.Index(fields=["union", "status"], name="members_correction_union"),
            models.Index(fields=["member", "status"], name="members_correction_member"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "field"],
                condition=models.Q(status="waiting"),
                name="members_one_waiting_correction_per_field",
                violation_error_message=_("A correction of this field is already waiting for a decision."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.member.masked_name}: {self.get_field_display()}"

    @property
    def shown_value(self) -> str:
        """The corrected value as staff and the member see it: a phone or ID number masked."""
        if self.field == CorrectionField.PHONE:
            return self.masked_phone
        if self.field == CorrectionField.ID_NUMBER:
            return self.id_number_masked
        if self.field == CorrectionField.OCCUPATION:
            return str(Occupation(self.value).label) if self.value in Occupation.values else self.value
        if self.field == CorrectionField.WORK_FORM:
            return str(WorkForm(self.value).label) if self.value in WorkForm.values else self.value
        return self.value

    def clean(self) -> None:
        if self.status == CorrectionStatus.REFUSED and not self.refusal_reason.strip():
            raise ValidationError({"refusal_reason": _("Say why the correction is refused.")})


# --- Transfers between unions (members.transfers) ---------------------------------------------------

# What zone workers and union chairs may do to a transfer at their end: see it, ask for it,
# approve or refuse their side, cancel it. Leadership only reads; station keepers see none.
_TRANSFER_WORK = frozenset({Action.VIEW, Action.ADD, Action.CHANGE, Action.APPROVE})


def _transfer_end(union: str) -> ScopeSpec:
    """One end of a transfer, scoped through that end's union (always current, whatever moves)."""
    return ScopeSpec(
        federation=f"{union}__federation_path",
        zone=f"{union}__zone_id",
        union=f"{union}_id",
        extra=dict.fromkeys([*ZONE_ROLES, Role.UNION_CHAIR], _TRANSFER_WORK),
        only={
            Role.FEDERATION_STAFF: frozenset(Action.values) - {Action.DELETE},
            Role.LEADERSHIP: frozenset({Action.VIEW}),
            **dict.fromkeys([*ZONE_ROLES, Role.UNION_CHAIR], _TRANSFER_WORK),
        },
    )


class TransferQuerySet(ScopedQuerySet):
    def restrict_side(self, user: Any, action: str, side: str) -> TransferQuerySet:
        """The transfers ``user`` may ``action`` from one end only (TransferSide)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        condition = MemberTransfer.scope_spec.q_for_end(side, user, action)
        return self.none() if condition is None else self.filter(condition)


class MemberTransfer(models.Model):
    """A member's move from one grassroots union to another, possibly in another federation (会员关系转接).

    Either side asks; both the sending and the receiving side approve, in either order; the
    second approval completes it and the member record moves (union, zone, federation path),
    keeping its number, history and card. Each side sees the transfer from its own end
    (EndsScopeSpec); the receiving side sees the member masked until the member is theirs.
    """

    member = models.ForeignKey(Member, models.PROTECT, related_name="transfers", verbose_name=_("member"))
    from_union = models.ForeignKey(GrassrootsUnion, models.PROTECT, related_name="+", verbose_name=_("from union"))
    to_union = models.ForeignKey(GrassrootsUnion, models.PROTECT, related_name="+", verbose_name=_("to union"))
    requested_by_side = models.CharField(_("asked by"), max_length=16, choices=TransferSide.choices)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why the member moves (a new job, a move)."))
    status = models.CharField(
        _("status"), max_length=16, choices=TransferStatus.choices, default=TransferStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("asked for by")
    )
    requested_at = models.DateTimeField(_("asked for at"), default=timezone.now)
    sending_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by (sending side)"),
    )
    sending_approved_at = models.DateTimeField(_("approved at (sending side)"), null=True, blank=True)
    receiving_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by (receiving side)"),
    )
    receiving_approved_at = models.DateTimeField(_("approved at (receiving side)"), null=True, blank=True)
    refused_side = models.CharField(_("refused by side"), max_length=16, choices=TransferSide.choices, blank=True)
    refused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("refused by")
    )
    refused_at = models.DateTimeField(_("refused at"), null=True, blank=True)
    refusal_reason = models.TextField(_("why refused"), blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    scope_spec = EndsScopeSpec(
        ends={TransferSide.SENDING: _transfer_end("from_union"), TransferSide.RECEIVING: _transfer_end("to_union")}
    )
    objects = models.Manager.from_queryset(TransferQuerySet)()

    class Meta:
        verbose_name = _("member transfer")
        verbose_name_plural = _("member transfers")
        indexes = [
            models.Index(fields=["from_union", "status"], name="members_transfer_from"),
            models.Index(fields=["to_union", "status"], name="members_transfer_to"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(status="requested"),
                name="members_one_open_transfer_per_member",
                violation_error_message=_("This member already has a transfer waiting for approval."),
            ),
            models.CheckConstraint(
                condition=~models.Q(from_union=models.F("to_union")), name="members_transfer_between_two_unions"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.masked_name}: {self.from_union} → {self.to_union}"

    @property
    def masked_name(self) -> str:
        return self.member.masked_name

    @property
    def is_open(self) -> bool:
        return self.status == TransferStatus.REQUESTED

    def clean(self) -> None:
        if self.from_union_id is not None and self.from_union_id == self.to_union_id:
            raise ValidationError({"to_union": _("The member is already in this union.")})
        if self.status == TransferStatus.REFUSED and not self.refusal_reason.strip():
            raise ValidationError({"refusal_reason": _("Say why the transfer is refused.")})


# --- Roster import (members.roster.imports) ------------------------------------------------------


class ImportMapping(CopiesScope):
    """The column mapping a federation last imported a roster with, offered again for its next file.

    ``columns`` maps a roster field ("name", "id_number" …) to the header text it was found under.
    """

    scope_parent = "federation"

    federation = models.OneToOneField(
        Federation, models.CASCADE, related_name="roster_mapping", verbose_name=_("federation")
    )
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    columns = models.JSONField(_("columns"), default=dict)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_spec = ScopeSpec(federation="federation_path")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("roster column mapping")
        verbose_name_plural = _("roster column mappings")
        indexes = [path_index("members_importmap_fedpath", "id")]

    def __str__(self) -> str:
        return str(self.federation)


class RosterImport(models.Model):
    """One roster file on its way in: uploaded, mapped, checked (a dry run), then imported or abandoned.

    The file is private and short-lived: it is deleted once the roster is imported or abandoned
    (and abandoned by a periodic task when left alone), and so are ``checked_rows``. ``errors`` keeps the first
    ``members.roster.imports.REPORTED_ERRORS`` row errors as codes, so the report reads in the
    viewer's language; ``error_counts`` counts every error by code.
    """

    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", blank=True)
    # The rows the last clean dry run read, encrypted: the import writes them without reading the file again.
    checked_rows = models.FileField(_("checked rows (encrypted)"), upload_to="imports/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    headers = models.JSONField(_("column headers"), default=list, blank=True)
    header_row = models.PositiveIntegerField(_("header row"), default=1)
    columns = models.JSONField(_("column mapping"), default=dict, blank=True)
    default_union = models.ForeignKey(
        GrassrootsUnion,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("union for rows without one"),
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    new_rows = models.PositiveIntegerField(_("new members"), default=0)
    existing_rows = models.PositiveIntegerField(_("already members of their union"), default=0)
    error_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    errors = models.JSONField(_("row errors"), default=list, blank=True)
    error_counts = models.JSONField(_("errors by kind"), default=dict, blank=True)
    job = models.ForeignKey(Job, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("job"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="roster_imports", verbose_name=_("imported by")
    )
    federation_path = models.CharField(_("federation path"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    # The importing user follows their own file; federation staff of the node see every import.
    scope_spec = ScopeSpec(
        federation="federation_path", owner="created_by_id", only={Role.FEDERATION_STAFF: frozenset(Action.values)}
    )
    objects = ScopedManager()

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        indexes = [
            path_index("members_rosterimport_fedpath", "id"),
            models.Index(fields=["status", "created_at"], name="members_rosterimport_open"),
        ]

    def __str__(self) -> str:
        return self.file_name


# Hardship aid lives in its own module (members.hardship_models); imported here so Django finds it.
from .hardship_models import HardshipBudget, HardshipCase, HardshipFollowUp, HardshipSuggestion  # noqa: E402, F401
