from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ZoneKind(models.TextChoices):
    GEOGRAPHIC = "geographic", _("Geographic zone")
    SECTOR = "sector", _("Sector zone")


class Sector(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    EXPRESS_DELIVERY = "express_delivery", _("Express delivery")
    FOOD_DELIVERY = "food_delivery", _("Food delivery")
    RIDE_HAILING = "ride_hailing", _("Ride-hailing")
    FREIGHT_LOGISTICS = "freight_logistics", _("Freight and logistics")
    LIVE_STREAMING = "live_streaming", _("Live streaming")
    SANITATION = "sanitation", _("Sanitation")
    CONSTRUCTION = "construction", _("Construction")
    RETAIL = "retail", _("Retail and catering")
    PUBLIC_SERVICE = "public_service", _("Public service")
    AGRICULTURE = "agriculture", _("Agriculture and fisheries")
    OTHER = "other", _("Other")


class VisitDuty(models.TextChoices):
    """The duty items a zone worker performs on a visit (履职事项)."""

    CONTACT = "contact", _("Visit and contact")  # 走访联系
    BRIEFING = "briefing", _("Pass on policies")  # 上情下达
    GUIDANCE = "guidance", _("Remind and guide")  # 提醒指导
    CARE = "care", _("Visit and comfort")  # 看望慰问
    VERIFY = "verify", _("Find out and verify")  # 了解核实
    REPORT = "report", _("Report back")  # 报告反馈


class VisitReview(models.TextChoices):
    NOT_NEEDED = "not_needed", _("Not needed")
    PENDING = "pending", _("Waiting for review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class FindingKind(models.TextChoices):
    DEMAND = "demand", _("Demand")  # 需求
    INCIDENT = "incident", _("Incident or hazard")  # 事件
    HARDSHIP = "hardship", _("Hardship lead")  # 困难线索


class FindingStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("finding status", "Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed without action")


class ResourceCategory(models.TextChoices):
    """What a service resource offers, and what a demand asks for (需求清单 ↔ 服务资源)."""

    SPORTS = "sports", _("Gym or sports ground")
    TRAINING_ROOM = "training_room", _("Training room")
    MEETING_ROOM = "meeting_room", _("Meeting room")
    LEGAL = "legal", _("Legal clinic")
    CANTEEN = "canteen", _("Canteen")
    DORMITORY = "dormitory", _("Dormitory")
    CHILDCARE = "childcare", _("Childcare")
    HEALTH = "health", _("Health service")
    READING_ROOM = "reading_room", _("Reading room")
    OTHER = "other", _("Other")


class MatchStatus(models.TextChoices):
    MATCHED = "matched", _("Matched")
    MET = "met", _("Met")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class WorkState(models.TextChoices):
    """The states every item of a zone worker's inbox is shown in, whatever it comes from."""

    TODO = "todo", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class WorkKind(models.TextChoices):
    """Work that other areas raise for a zone (a station's failed upkeep check, a grievance)."""

    STATION_CHECK = "station_check", _("Station upkeep")
    JOIN_APPLICATION = "join_application", _("Join application")
    MEMBER_TRANSFER = "member_transfer", _("Member transfer")
    HELP_REQUEST = "help_request", _("Help request")
    GRIEVANCE = "grievance", _("Grievance")
    OTHER = "other", _("Other")
