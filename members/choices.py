from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MemberStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ACTIVE = "active", _("Active")
    TRANSFERRED = "transferred", _("Transferred")
    LAPSED = "lapsed", _("Lapsed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    MERGED = "merged", _("Merged into another record")


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


class TransferStatus(models.TextChoices):
    """A transfer between unions (会员关系转接): both sides approve, in either order, then it completes."""

    REQUESTED = "requested", _("Waiting for approval")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


class TransferSide(models.TextChoices):
    SENDING = "sending", _("Sending union")  # 转出
    RECEIVING = "receiving", _("Receiving union")  # 转入


# --- Hardship aid (困难职工帮扶, members.hardship) ------------------------------------------------


class HardshipReason(models.TextChoices):
    ILLNESS = "illness", _("Serious illness")  # 大病
    DISASTER = "disaster", _("Disaster or accident")  # 灾害
    EDUCATION = "education", _("Children's education")  # 助学
    OTHER = "other", _("Other hardship")


class HardshipStatus(models.TextChoices):
    """draft → submitted → reviewed → approved / refused; approved → disbursed → closed."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    REVIEWED = "reviewed", _("Reviewed: waiting for leadership")
    APPROVED = "approved", _("Approved: to be paid")
    REFUSED = "refused", _("Refused")
    DISBURSED = "disbursed", _("Paid")
    CLOSED = "closed", _("Closed")


class DisbursementMethod(models.TextChoices):
    BANK = "bank", _("Bank transfer")
    CASH = "cash", _("Cash, signed for")
    IN_KIND = "in_kind", _("In kind")


class SuggestionSource(models.TextChoices):
    """Why the nightly job thinks a member may need help (越温暖-style leads, never a payout)."""

    VISIT_FINDING = "visit_finding", _("A visit found serious illness, injury or hardship")
    REPEATED_AID = "repeated_aid", _("Aided repeatedly")
    HELP_REQUEST = "help_request", _("Asked for help with hardship")


class SuggestionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("hardship suggestion", "Open")
    ACCEPTED = "accepted", _("Accepted: a case was opened")
    DISMISSED = "dismissed", _("Dismissed")


class CorrectionField(models.TextChoices):
    """What a member may ask to have corrected on their own record."""

    NAME = "name", _("Full name")
    PHONE = "phone", _("Mobile phone")
    ID_NUMBER = "id_number", _("ID number")
    EMPLOYER = "employer", _("Employer or platform")
    OCCUPATION = "occupation", _("Occupation")
    WORK_FORM = "work_form", _("Work form")


class CorrectionStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for a decision")
    APPROVED = "approved", _("Corrected")
    REFUSED = "refused", _("Refused")
