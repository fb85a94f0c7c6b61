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
