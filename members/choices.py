from django.db import models
from django.utils.translation import gettext_lazy as _


class MemberStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ACTIVE = "active", _("Active")
    TRANSFERRED = "transferred", _("Transferred")
    LAPSED = "lapsed", _("Lapsed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class WorkForm(models.TextChoices):
    STANDARD = "standard", _("Standard employment")
    NEW_FORM = "new_form", _("New employment form")
    FLEXIBLE = "flexible", _("Flexible employment")


class Occupation(models.TextChoices):
    DELIVERY_RIDER = "delivery_rider", _("Delivery rider")
    COURIER = "courier", _("Courier")
    RIDE_HAILING_DRIVER = "ride_hailing_driver", _("Ride-hailing driver")
    TRUCK_DRIVER = "truck_driver", _("Truck driver")
    LIVE_STREAMER = "live_streamer", _("Live streamer")
    SANITATION_WORKER = "sanitation_worker", _("Sanitation worker")
    FACTORY_WORKER = "factory_worker", _("Factory worker")
    OFFICE_WORKER = "office_worker", _("Office worker")
    TECHNICIAN = "technician", _("Technician")
    SERVICE_WORKER = "service_worker", _("Service worker")
    OTHER = "other", _("Other")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class JoinChannel(models.TextChoices):
    """Where a joining QR code was shown (扫码入会)."""

    UNION = "union", _("A grassroots union's code")
    ZONE = "zone", _("A zone's code")
    STATION = "station", _("A station's code")
    EVENT = "event", _("A joining event's code")  # 集中入会


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded: map the columns")
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked")
    COMMITTING = "committing", _("Importing")
    COMMITTED = "committed", _("Imported")
    ABANDONED = "abandoned", _("Abandoned")
