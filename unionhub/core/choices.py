"""Choices shared by every app: federation kinds, roles, scoped actions, job states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FederationKind(models.TextChoices):
    PROVINCE = "province", _("Province federation")
    CITY = "city", _("City federation")
    COUNTY = "county", _("County or district federation")
    TOWNSHIP = "township", _("Township or street federation")
    SECTOR = "sector", _("Sector union federation")


class Role(models.TextChoices):
    FEDERATION_STAFF = "federation_staff", _("Federation staff")
    LEADERSHIP = "leadership", _("Leadership")
    ZONE_CHIEF = "zone_chief", _("Zone chief")
    ZONE_SOCIAL_WORKER = "zone_social_worker", _("Zone social worker")
    ZONE_INSTRUCTOR = "zone_instructor", _("Zone instructor")
    ZONE_AUXILIARY = "zone_auxiliary", _("Zone auxiliary")
    STATION_KEEPER = "station_keeper", _("Station keeper")
    UNION_CHAIR = "union_chair", _("Union chair")


class NodeKind(models.TextChoices):
    """What a role assignment is bound to."""

    FEDERATION = "federation", _("federation")
    ZONE = "zone", _("zone")
    UNION = "union", _("grassroots union")
    STATION = "station", _("station")


ROLE_NODE_KIND = {
    Role.FEDERATION_STAFF: NodeKind.FEDERATION,
    Role.LEADERSHIP: NodeKind.FEDERATION,
    Role.ZONE_CHIEF: NodeKind.ZONE,
    Role.ZONE_SOCIAL_WORKER: NodeKind.ZONE,
    Role.ZONE_INSTRUCTOR: NodeKind.ZONE,
    Role.ZONE_AUXILIARY: NodeKind.ZONE,
    Role.STATION_KEEPER: NodeKind.STATION,
    Role.UNION_CHAIR: NodeKind.UNION,
}

ZONE_ROLES = [role for role, kind in ROLE_NODE_KIND.items() if kind == NodeKind.ZONE]


class Action(models.TextChoices):
    """What a user may do to an object in scope; restrict(user, action) takes one of these."""

    VIEW = "view", _("view")
    ADD = "add", _("add")
    CHANGE = "change", _("change")
    DELETE = "delete", _("delete")
    APPROVE = "approve", _("approve")
    EXPORT = "export", _("export")
    SIGN = "sign", _("sign")
    REVEAL = "reveal", _("reveal personal data")


# What each role may do within its scope, before a model widens it (ScopeSpec.extra).
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.FEDERATION_STAFF: frozenset(Action.values),
    Role.LEADERSHIP: frozenset({Action.VIEW, Action.EXPORT, Action.APPROVE, Action.SIGN}),
    Role.ZONE_CHIEF: frozenset({Action.VIEW}),
    Role.ZONE_SOCIAL_WORKER: frozenset({Action.VIEW}),
    Role.ZONE_INSTRUCTOR: frozenset({Action.VIEW}),
    Role.ZONE_AUXILIARY: frozenset({Action.VIEW}),
    Role.STATION_KEEPER: frozenset({Action.VIEW}),
    Role.UNION_CHAIR: frozenset({Action.VIEW}),
}


class JobStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class Channel(models.TextChoices):
    INBOX = "inbox", _("in-app inbox")
    EMAIL = "email", _("e-mail")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")
    SMS = "sms", _("SMS")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    RETRYING = "retrying", _("retrying")
    FAILED = "failed", _("failed")


class SecurityEventKind(models.TextChoices):
    """What a security log row records (core.SecurityEvent; docs/security.md, "Security log")."""

    LOGIN = "login", _("log-in")
    LOCKOUT = "lockout", _("lockout")
    UNLOCK = "unlock", _("unlock")
    PASSWORD_CHANGE = "password_change", _("password change")
    TWO_FACTOR_ENROL = "two_factor_enrol", _("second factor set up")
    TWO_FACTOR_RESET = "two_factor_reset", _("second factor reset")
    ROLE_GRANT = "role_grant", _("role granted")
    ROLE_CHANGE = "role_change", _("role changed")
    ROLE_REVOKE = "role_revoke", _("role withdrawn")
    REVEAL = "reveal", _("personal data revealed")
    EXPORT = "export", _("export")
    LOOKUP = "lookup", _("cross-scope lookup")


class SecurityEventResult(models.TextChoices):
    SUCCESS = "success", _("succeeded")
    FAILURE = "failure", _("failed")
