from django.db import models
from django.utils.translation import gettext_lazy as _


class StationKind(models.TextChoices):
    OUTDOOR_WORKER = "outdoor_worker", _("Outdoor-worker station")
    ZONE_SERVICE_CENTRE = "zone_service_centre", _("Zone service centre")
    SHARED_FUNCTION = "shared_function", _("Shared function station")
    DRIVERS_HOME = "drivers_home", _("Drivers' home")


class StationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SUSPENDED = "suspended", _("Temporarily closed")
    CLOSED = "closed", _("Closed")
