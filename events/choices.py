"""Choices of activities (活动) and their registrations."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ActivityKind(models.TextChoices):
    TRAINING = "training", _("Training")
    SKILLS_COMPETITION = "skills_competition", _("Skills competition")
    LECTURE = "lecture", pgettext_lazy("activity kind", "Lecture")
    MIXER = "mixer", _("Matchmaking mixer")
    SPORTS_MEET = "sports_meet", _("Sports meet")
    RETREAT = "retreat", _("Recuperation retreat")
    HEALTH_LECTURE = "health_lecture", _("Health lecture")
    VOLUNTEERING = "volunteering", _("Volunteer service")
    COLLECTIVE_JOINING = "collective_joining", _("Collective joining")


class Organiser(models.TextChoices):
    """Which level organises an activity; its scope columns follow it."""

    FEDERATION = "federation", _("federation")
    ZONE = "zone", _("zone")
    UNION = "union", _("grassroots union")


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    OFFERED = "offered", _("Place offered: confirm it")
    CANCELLED = "cancelled", _("Cancelled")
    REFUSED = "refused", _("Refused")
    EXPIRED = "expired", _("Offer expired")


# A registration in one of these holds a place (pending ones too, so that approving never overbooks).
HOLDS_PLACE = [RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED]
# One phone has at most one registration in these per activity (a database constraint).
ACTIVE = [*HOLDS_PLACE, RegistrationStatus.WAITLISTED]


class Attendance(models.TextChoices):
    UNKNOWN = "unknown", _("Not yet known")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("Did not come")


# Grievances (职工诉求). The category keys are shared with unionhub.core.text (category suggestion).
class GrievanceCategory(models.TextChoices):
    WAGE_ARREARS = "wage_arrears", _("Wage arrears")  # 欠薪
    LABOUR_CONTRACT = "labour_contract", _("Labour contract")  # 劳动合同
    WORK_INJURY = "work_injury", _("Work injury")  # 工伤
    SOCIAL_INSURANCE = "social_insurance", _("Social insurance")  # 社会保险
    OCCUPATIONAL_SAFETY = "occupational_safety", _("Occupational safety")  # 职业安全
    WORKING_HOURS = "working_hours", _("Working hours and rest")  # 工时与休息
    HARDSHIP = "hardship", _("Hardship in daily life")  # 生活困难
    CONSULTATION = "consultation", _("Consultation")  # 咨询
    SUGGESTION = "suggestion", _("Suggestion")  # 建议
    OTHER = "other", pgettext_lazy("grievance category", "Other")  # 其他


class GrievanceChannel(models.TextChoices):
    """Where a grievance came in from."""

    HOTLINE = "hotline", _("12351 hotline")
    HOTLINE_IMPORT = "hotline_import", _("Hotline import")
    PUBLIC_FORM = "public_form", _("Public form")
    STATION = "station", _("Station help request")
    VISIT = "visit", _("Zone visit finding")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")


class GrievanceStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    VERIFIED = "verified", _("Verified")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", pgettext_lazy("grievance status", "In progress")
    RESOLVED = "resolved", _("Resolved, waiting for the worker's evaluation")
    EVALUATED = "evaluated", _("Evaluated")
    CLOSED = "closed", pgettext_lazy("grievance status", "Closed")
    REOPENED = "reopened", _("Reopened")


# Being handled: the due time runs, reminders and escalation apply.
GRIEVANCE_OPEN = [
    GrievanceStatus.VERIFIED,
    GrievanceStatus.ASSIGNED,
    GrievanceStatus.IN_PROGRESS,
    GrievanceStatus.REOPENED,
]
# Handled: resolved at least once, whatever happened after.
GRIEVANCE_HANDLED = [GrievanceStatus.RESOLVED, GrievanceStatus.EVALUATED, GrievanceStatus.CLOSED]


class GrievanceTier(models.TextChoices):
    """How hard a grievance is; each tier has its limit in working days (settings.GRIEVANCE_TIER_WORKING_DAYS)."""

    GENERAL = "general", _("General")  # 一般
    DIFFICULT = "difficult", _("Difficult")  # 难点
    VERY_COMPLEX = "very_complex", _("Very complex")  # 特别复杂


class AssigneeKind(models.TextChoices):
    ZONE_WORKER = "zone_worker", _("Zone worker")
    MEDIATOR = "mediator", _("Mediator")
    LAWYER = "lawyer", _("Union lawyer")
    UNION = "union", _("Grassroots union")
    DEPARTMENT = "department", _("Outside department")


class EscalationLevel(models.TextChoices):
    ZONE = "zone", _("Zone")
    TOWNSHIP = "township", _("Township federation")
    COUNTY = "county", _("County federation")


class GrievanceEventKind(models.TextChoices):
    """One line of a grievance's timeline."""

    TRANSITION = "transition", _("Status changed")
    ACTION = "action", _("Action taken")
    CONTACT = "contact", _("Contact attempt")
    NOTE = "note", _("Note")
    PAUSE = "pause", _("Paused")
    RESUME = "resume", _("Resumed")
    REMINDER = "reminder", _("Reminder sent")
    ESCALATION = "escalation", _("Escalated")
    ATTACHMENT = "attachment", _("Photo attached")


class DayKind(models.TextChoices):
    """A date that differs from the usual week: a public holiday on a weekday, or a make-up workday on a weekend."""

    HOLIDAY = "holiday", _("Public holiday")  # 放假
    WORKDAY = "workday", _("Make-up workday")  # 调休上班
