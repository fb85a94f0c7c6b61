"""Core models: the federation tree, staff users and their federation roles, personal-data
fields, the outbox, jobs, the access log and notifications."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.gis.db import models as gis
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django_otp.models import SideChannelDevice, ThrottlingMixin
from simple_history.models import HistoricalRecords

from . import crypto
from .choices import (
    ROLE_NODE_KIND,
    Action,
    Channel,
    DeliveryStatus,
    FederationKind,
    JobStatus,
    NodeKind,
    Role,
    SecurityEventKind,
    SecurityEventResult,
)
from .geo import valid_geometry
from .scoping import ScopedManager, ScopedQuerySet, ScopeSpec
from .validators import (
    normalise_id_number,
    normalise_phone,
    validate_id_number,
    validate_phone,
    validate_webhook_url,
)


def path_index(name: str, *extra: str) -> models.Index:
    """A B-tree on a materialised path (then ``extra``) that serves ``LIKE 'path%'`` in any collation."""
    return models.Index(
        fields=["federation_path", *extra], name=name, opclasses=["varchar_pattern_ops"] + ["" for _ in extra]
    )


class Federation(models.Model):
    """A node of the union federation tree: province, city, county/district, township, or a sector federation.

    ``path`` is a materialised path of primary keys ("1/4/17/"), so a subtree is one
    indexed prefix match; every scoped table copies its federation's path.
    """

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=FederationKind.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent federation")
    )
    path = models.CharField(_("path"), max_length=255, editable=False, db_index=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    area = gis.MultiPolygonField(
        _("area"),
        srid=4326,
        null=True,
        blank=True,
        spatial_index=False,
        help_text=_("Used to check that positions lie inside."),
    )

    scope_spec = ScopeSpec(federation="path")
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["path", "depth"])

    class Meta:
        verbose_name = _("federation")
        verbose_name_plural = _("federations")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="core_federation_path", opclasses=["varchar_pattern_ops"]),
            gis.Index(fields=["area"], name="core_federation_area_gist"),  # type: ignore[attr-defined]
        ]
        constraints = [
            models.CheckConstraint(condition=valid_geometry("area"), name="core_federation_area_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, then keep ``path`` (and every copy of it below this node) in step with ``parent``."""
        super().save(*args, **kwargs)
        parent_path = Federation.objects.values_list("path", flat=True).get(pk=self.parent_id) if self.parent_id else ""
        new_path = f"{parent_path}{self.pk}/"
        if new_path != self.path:
            old_path, self.path, self.depth = self.path, new_path, new_path.count("/") - 1
            Federation.objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)
            if old_path:
                rewrite_federation_paths(old_path, new_path)

    def clean(self) -> None:
        from .geo import check_polygon

        check_polygon(self.area, "area")
        if self.parent_id and self.pk and self.parent and self.parent.path.startswith(self.path):
            raise ValidationError({"parent": _("A federation cannot be placed under itself or its own branch.")})
        if self.kind == FederationKind.PROVINCE and self.parent_id:
            raise ValidationError({"parent": _("A province federation is the top of the tree.")})
        if self.kind != FederationKind.PROVINCE and not self.parent_id:
            raise ValidationError({"parent": _("Choose the federation this one belongs to.")})

    def effective_area(self) -> Any:
        """This federation's area, or the nearest ancestor's; None if no node above has one."""
        if self.area is not None:
            return self.area
        ancestor_ids = [int(part) for part in self.path.split("/") if part]
        ancestor = (
            Federation.objects.filter(pk__in=ancestor_ids, area__isnull=False).order_by("-depth").only("area").first()
        )
        return ancestor.area if ancestor else None

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.split("/") if part]

    def check_zone_in_branch(self, zone: Any) -> None:
        """Refuse a zone from another branch: a row's zone must sit above or below its federation."""
        if zone is None:
            return
        if not (self.path.startswith(zone.federation_path) or zone.federation_path.startswith(self.path)):
            raise ValidationError({"zone": _("This zone belongs to another branch of the federation tree.")})


def rewrite_federation_paths(old: str, new: str) -> None:
    """After a node moved: rewrite the path of its subtree and of every row that copies a path.

    Every model with a ``federation_path`` column (and the tree's own ``path``) is updated
    with one UPDATE each, inside the caller's transaction.
    """
    from django.apps import apps
    from django.db.models import F, Value
    from django.db.models.functions import Concat, Substr

    def rewrite(model: type[models.Model], column: str) -> None:
        model._base_manager.filter(**{f"{column}__startswith": old}).update(
            **{column: Concat(Value(new), Substr(F(column), len(old) + 1), output_field=models.CharField())}
        )

    rewrite(Federation, "path")
    moved = list(Federation.objects.filter(path__startswith=new).only("path", "depth"))
    for node in moved:
        node.depth = node.path.count("/") - 1
    Federation.objects.bulk_update(moved, ["depth"])
    for model in apps.get_models():
        if any(f.name == "federation_path" for f in model._meta.concrete_fields) and not model._meta.proxy:
            rewrite(model, "federation_path")


class UserQuerySet(ScopedQuerySet):
    pass


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


# django-stubs cannot follow the reverse manager of SmsDevice's user key (declared on django-otp's
# untyped abstract Device).
class User(AbstractUser):  # type: ignore[django-manager-missing]
    """A staff member (federation staff, leadership, zone worker, station keeper, union chair).

    Members are not users (DESIGN.md rule 1). ``federation`` is the home node whose staff
    manage this account; what the user may see comes from role assignments alone.
    """

    federation = models.ForeignKey(
        Federation, models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("home federation")
    )
    federation_path = models.CharField(_("federation path"), max_length=255, blank=True, editable=False)
    mobile_encrypted = models.BinaryField(_("mobile (encrypted)"), null=True, blank=True, editable=False)
    mobile_last4 = models.CharField(_("mobile, last four digits"), max_length=4, blank=True, editable=False)

    # Leadership reads accounts but never edits them; everyone may view their own.
    scope_spec = ScopeSpec(
        federation="federation_path",
        owner="id",
        only={Role.FEDERATION_STAFF: frozenset(Action.values), Role.LEADERSHIP: frozenset({Action.VIEW})},
    )
    objects = ScopedUserManager()  # type: ignore[misc]
    # Password hashes and personal fields never enter the change history.
    history = HistoricalRecords(excluded_fields=["password", "mobile_encrypted", "last_login", "federation_path"])

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")  # type: ignore[assignment]
        verbose_name_plural = _("users")  # type: ignore[assignment]
        indexes = [path_index("core_user_fedpath", "id")]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.federation_path = self.federation.path if self.federation_id and self.federation else ""
        super().save(*args, **kwargs)

    def set_mobile(self, number: str) -> None:
        number = normalise_phone(number)
        self.mobile_encrypted = crypto.encrypt(number) if number else None
        self.mobile_last4 = number[-4:]

    @property
    def mobile(self) -> str:
        return crypto.decrypt(self.mobile_encrypted) if self.mobile_encrypted else ""

    @property
    def masked_mobile(self) -> str:
        return f"*******{self.mobile_last4}" if self.mobile_last4 else ""


class CopiesScope(models.Model):
    """A row that carries its parent's scope columns, so that scoping it is one indexed condition.

    ``scope_parent`` names the foreign key to copy from (a federation, zone, union, station
    or visit). On save the row takes the parent's federation path and, where both have
    them, its ``zone_id`` and ``union_id``. Moves of whole branches are carried by
    rewrite_federation_paths and zones.actions.sync_union_copies.
    """

    scope_parent: str = "federation"

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        parent = getattr(self, self.scope_parent)
        self.federation_path = parent.path if isinstance(parent, Federation) else parent.federation_path
        own = {f.attname for f in self._meta.concrete_fields}
        for column in ("zone_id", "union_id"):
            if column in own and column != f"{self.scope_parent}_id" and hasattr(parent, column):
                setattr(self, column, getattr(parent, column))
        super().save(*args, **kwargs)


def validate_role_for(role: str, node_kind: str) -> None:
    """Refuse a role bound to the wrong kind of node, saying where it belongs."""
    expected = ROLE_NODE_KIND.get(Role(role)) if role in Role.values else None
    if expected != node_kind:
        raise ValidationError(
            {
                "role": _("The role “{role}” is bound to a {expected}, not to a {actual}.").format(
                    role=Role(role).label if role in Role.values else role,
                    expected=NodeKind(expected).label if expected else "?",
                    actual=NodeKind(node_kind).label,
                )
            },
            code="wrong_node_kind",
        )


class RoleAssignment(CopiesScope):
    """A federation-level role (federation staff or leadership) bound to a node of the tree.

    Zone, union and station roles are bound by their own apps (zones.ZoneStaff,
    zones.UnionChair, stations.StationKeeper); all of them feed the same scoping.
    """

    user = models.ForeignKey(User, models.CASCADE, related_name="role_assignments", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    federation = models.ForeignKey(
        Federation, models.PROTECT, related_name="role_assignments", verbose_name=_("federation")
    )
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_spec = ScopeSpec(
        federation="federation_path",
        only={Role.FEDERATION_STAFF: frozenset(Action.values), Role.LEADERSHIP: frozenset({Action.VIEW})},
    )
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path"])

    class Meta:
        verbose_name = _("federation role")
        verbose_name_plural = _("federation roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "federation"], name="core_roleassignment_unique"),
            models.CheckConstraint(
                condition=Q(role__in=[Role.FEDERATION_STAFF, Role.LEADERSHIP]), name="core_roleassignment_role_kind"
            ),
        ]
        indexes = [path_index("core_roleassign_fedpath", "id")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.federation}"

    def clean(self) -> None:
        validate_role_for(self.role, NodeKind.FEDERATION)


class ProtectedPhone(models.Model):
    """A mobile number stored encrypted, with a keyed hash for lookup and its last four digits."""

    # Which numbers ``set_phone`` takes: mobiles only, unless a model says its people may give a landline.
    validate_phone_number = staticmethod(validate_phone)

    phone_encrypted = models.BinaryField(_("phone (encrypted)"), null=True, editable=False)
    phone_hash = models.CharField(_("phone (keyed hash)"), max_length=64, blank=True, editable=False)
    phone_last4 = models.CharField(_("phone, last four digits"), max_length=4, blank=True, editable=False)

    class Meta:
        abstract = True

    def set_phone(self, number: str) -> None:
        self.validate_phone_number(number)
        number = normalise_phone(number)
        self.phone_encrypted = crypto.encrypt(number)
        self.phone_hash = crypto.keyed_hash(number)
        self.phone_last4 = number[-4:]

    @property
    def masked_phone(self) -> str:
        return f"1**-****-{self.phone_last4}" if self.phone_last4 else ""

    def reveal_phone(self) -> str:
        """The full number; callers must check Action.REVEAL and write an access-log record."""
        return crypto.decrypt(self.phone_encrypted) if self.phone_encrypted else ""

    @staticmethod
    def phone_lookup(number: str) -> str:
        return crypto.keyed_hash(normalise_phone(number))


class ProtectedIdNumber(models.Model):
    """A resident ID number stored encrypted, with a keyed hash for lookup; shown masked."""

    id_number_encrypted = models.BinaryField(_("ID number (encrypted)"), null=True, editable=False)
    id_number_hash = models.CharField(_("ID number (keyed hash)"), max_length=64, blank=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True, editable=False)

    class Meta:
        abstract = True

    def set_id_number(self, number: str) -> None:
        validate_id_number(number)
        number = normalise_id_number(number)
        self.id_number_encrypted = crypto.encrypt(number)
        self.id_number_hash = crypto.keyed_hash(number)
        self.id_number_masked = number[:3] + "*" * 11 + number[-4:]

    def reveal_id_number(self) -> str:
        """The full number; callers must check Action.REVEAL and write an access-log record."""
        return crypto.decrypt(self.id_number_encrypted) if self.id_number_encrypted else ""

    @staticmethod
    def id_number_lookup(number: str) -> str:
        return crypto.keyed_hash(normalise_id_number(number))


class OutboxMessage(models.Model):
    """A Celery task to send, written in the same transaction as the change that needs it.

    The relay sends it after commit, and a periodic sweep re-sends anything left unsent
    (for example while Redis was down), so a committed write never loses its task.
    """

    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    kwargs = models.JSONField(_("keyword arguments"), default=dict)
    queue = models.CharField(_("queue"), max_length=50, blank=True)
    key = models.CharField(_("deduplication key"), max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    eta = models.DateTimeField(_("not before"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [models.Index(fields=["id"], condition=Q(sent_at__isnull=True), name="core_outbox_unsent")]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"


class Job(models.Model):
    """A long piece of work (import, export, report, analysis) run by Celery; pages poll its progress."""

    kind = models.CharField(_("kind"), max_length=50)
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    progress = models.PositiveIntegerField(_("items done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    message = models.TextField(_("message"), blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    file = models.FileField(_("file"), upload_to="jobs/%Y/%m/", blank=True)
    created_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="jobs", verbose_name=_("created by"))
    federation_path = models.CharField(_("federation path"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The Celery message that claimed the job: the same message delivered again (its worker died)
    # may take the job over; a second message for the same job may not.
    task_id = models.CharField(_("task"), max_length=64, blank=True, editable=False)

    scope_spec = ScopeSpec(federation="federation_path", owner="created_by_id")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [path_index("core_job_fedpath", "id")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.progress / self.total)) if self.total else 0


class AccessLog(models.Model):
    """One reveal of personal data in full (or an unmasked export, or a cross-scope lookup).

    ``user`` is the staff account that read it; it is empty when the person themselves read
    their own data (a member signed in with a texted code, who is no Django user): then the
    record (``model``, ``object_id``) is both what was read and who read it.
    """

    user = models.ForeignKey(
        User,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="access_logs",
        verbose_name=_("user"),
        help_text=_("Empty: the person the record is about read it themselves (member session)."),
    )
    action = models.CharField(_("action"), max_length=32)
    model = models.CharField(_("record type"), max_length=100)
    object_id = models.CharField(_("record"), max_length=64, blank=True)
    field = models.CharField(_("field"), max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    federation_path = models.CharField(_("federation path"), max_length=255, blank=True)
    at = models.DateTimeField(_("viewed at"), default=timezone.now, db_index=True)

    # The log is read by federation staff and leadership of the node; nobody edits it.
    scope_spec = ScopeSpec(
        federation="federation_path",
        only={Role.FEDERATION_STAFF: frozenset({Action.VIEW}), Role.LEADERSHIP: frozenset({Action.VIEW})},
    )
    objects = ScopedManager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [path_index("core_accesslog_fedpath", "id")]

    def __str__(self) -> str:
        return f"{self.user or '-'} {self.action} {self.model}:{self.object_id}"


class SecurityEvent(models.Model):
    """One security-relevant event, kept SECURITY_LOG_RETENTION_DAYS for auditors (Cybersecurity Law art. 21).

    Log-ins (succeeded or failed), lockouts and unlocks, password changes, second-factor
    set-up and resets, role changes, reveals of personal data, exports and cross-scope
    lookups: each is one row, written by unionhub.core.security_log. A row names accounts by
    key only and holds no personal data beyond the event's need: never a typed user name
    (it may be a password typed into the wrong field), an ID number or a phone number; the
    client address, which an investigation needs. Reveals also have their AccessLog row
    (with the stated reason); this table is the one timeline an auditor filters.
    """

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    kind = models.CharField(_("event"), max_length=32, choices=SecurityEventKind.choices)
    result = models.CharField(
        _("result"), max_length=16, choices=SecurityEventResult.choices, default=SecurityEventResult.SUCCESS
    )
    # No foreign-key constraint: a row outlives the account it names (its key is kept).
    user = models.ForeignKey(
        User,
        models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
        verbose_name=_("account"),
        help_text=_("The account the event is about."),
    )
    actor = models.ForeignKey(
        User,
        models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
        verbose_name=_("done by"),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    object_type = models.CharField(_("record type"), max_length=100, blank=True)
    object_id = models.CharField(_("record"), max_length=64, blank=True)
    detail = models.JSONField(_("details"), default=dict, blank=True)
    federation_path = models.CharField(_("federation path"), max_length=255, blank=True)

    # Read by federation staff and leadership of the node (auditors); nobody edits it.
    scope_spec = ScopeSpec(
        federation="federation_path",
        only={Role.FEDERATION_STAFF: frozenset({Action.VIEW}), Role.LEADERSHIP: frozenset({Action.VIEW})},
    )
    objects = ScopedManager()

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security log")
        indexes = [
            path_index("core_secevent_fedpath", "id"),
            models.Index(fields=["kind", "at"], name="core_secevent_kind_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_result_display()} #{self.pk}"


class Notification(models.Model):
    """A message to one staff user: their in-app inbox row, delivered once per key."""

    recipient = models.ForeignKey(User, models.CASCADE, related_name="notifications", verbose_name=_("recipient"))
    key = models.CharField(_("key"), max_length=200)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    scope_spec = ScopeSpec(owner="recipient_id")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="core_notification_once")]
        indexes = [models.Index(fields=["recipient", "-id"], name="core_notification_inbox")]

    def __str__(self) -> str:
        return self.title


class WebhookEndpoint(CopiesScope):
    """A WeCom or DingTalk group robot that a federation's notifications are posted to."""

    federation = models.ForeignKey(Federation, models.CASCADE, related_name="webhooks", verbose_name=_("federation"))
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=[(Channel.WECOM, Channel.WECOM.label), (Channel.DINGTALK, Channel.DINGTALK.label)],
    )
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("webhook address"), max_length=500, validators=[validate_webhook_url])
    secret = models.CharField(
        _("signing secret"), max_length=200, blank=True, help_text=_("DingTalk robots with signing need it.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    scope_spec = ScopeSpec(federation="federation_path")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("group robot webhook")
        verbose_name_plural = _("group robot webhooks")
        indexes = [path_index("core_webhook_fedpath", "id")]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One notification to one outside channel (e-mail, WeCom, DingTalk, SMS) and its attempts.

    Outside channels are at-least-once: ``key`` is stable per message and sent along where
    the channel accepts one; every attempt, certain or not, is recorded in ``attempt_log``.
    """

    notification = models.ForeignKey(
        Notification, models.CASCADE, null=True, blank=True, related_name="deliveries", verbose_name=_("notification")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    target = models.CharField(_("target"), max_length=500, blank=True)
    key = models.CharField(_("key"), max_length=200, unique=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    attempt_log = models.JSONField(_("attempt log"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    # Recipients see the deliveries of their own notifications (to know a message went out).
    scope_spec = ScopeSpec(owner="notification__recipient_id")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.key}"


class SmsDevice(ThrottlingMixin, SideChannelDevice):
    """A second factor for staff without an authenticator app: a one-time code sent by SMS.

    The code goes to the mobile number on the user's account (``User.mobile``, encrypted), which
    only staff who manage the account can set, so a stolen password cannot redirect the codes.
    A code is valid for five minutes and only once; wrong codes slow further tries down.
    """

    CODE_VALID_SECONDS = 300

    class Meta(SideChannelDevice.Meta):
        verbose_name = _("SMS second factor")
        verbose_name_plural = _("SMS second factors")

    def generate_challenge(self) -> str:
        """Make a fresh code and send it; the delivery key is stable per code (DESIGN.md rule 6)."""
        self.generate_token(valid_secs=self.CODE_VALID_SECONDS)
        text = str(_("UnionHub log-in code: {code}. Valid for 5 minutes; never tell it to anyone.")).format(
            code=self.token
        )
        key = f"login-code:{self.pk}:{int(self.valid_until.timestamp())}"
        backend = import_string(settings.SMS_BACKEND)()
        backend.send(self.user.mobile, text, key=key, params={"title": str(_("Log-in code")), "content": text})
        return str(_("A code was sent to {phone}.")).format(phone=self.user.masked_mobile)

    def verify_token(self, token: str) -> bool:
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        verified = super().verify_token(token)  # clears the code on success: no second use
        if verified:
            self.throttle_reset()
        else:
            self.throttle_increment()
        return verified

    def get_throttle_factor(self) -> int:
        return 1


class TextCategoryCount(models.Model):
    """What handled cases teach the category suggestion (unionhub.core.text.classify).

    One row per (category, feature word) with how often the word appeared in texts staff
    filed under the category; the row with an empty ``token`` counts the texts themselves.
    The union vocabulary's prior is not stored: it comes from vocabulary.toml.
    """

    category = models.CharField(_("category"), max_length=32)
    token = models.CharField(_("word"), max_length=64, blank=True)
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("learned word count")
        verbose_name_plural = _("learned word counts")
        constraints = [models.UniqueConstraint(fields=["category", "token"], name="core_textcount_once")]

    def __str__(self) -> str:
        return f"{self.category} · {self.token or '#'} · {self.count}"
