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


class PartnerKind(models.TextChoices):
    """Who hosts or co-builds a station (共建): the union itself, a bank, a government office, a firm."""

    UNION = "union", _("Union")
    BANK = "bank", _("Bank")
    GOVERNMENT = "government", _("Government office")
    ENTERPRISE = "enterprise", _("Enterprise")
    OTHER = "other", _("Other")


class Amenity(models.TextChoices):
    WATER = "water", _("Drinking water")
    HOT_WATER = "hot_water", _("Hot water")
    CHARGING = "charging", _("Phone and e-bike charging")
    MICROWAVE = "microwave", _("Microwave")
    REST_SEATS = "rest_seats", _("Rest seats")
    TOILET = "toilet", _("Toilet")
    AIR_CONDITIONING = "air_conditioning", _("Air-conditioning")
    FIRST_AID = "first_aid", _("First-aid kit")
    WIFI = "wifi", _("Wi-Fi")
    UMBRELLA = "umbrella", _("Umbrella loan")
    BOOKS = "books", _("Books and newspapers")


class ServiceKind(models.TextChoices):
    HAIRCUT = "haircut", _("Free haircuts")
    LEGAL_AID = "legal_aid", _("Legal aid")
    HEALTH_CHECK = "health_check", _("Health checks")
    COUNSELLING = "counselling", _("Counselling")
    REPAIR = "repair", _("E-bike repair")
    OTHER = "other", _("Other service")


class Weekday(models.IntegerChoices):
    """ISO-like weekday numbers as Python's date.weekday() gives them (Monday is 0)."""

    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Occupation(models.TextChoices):
    """What a worker checking in at a station does (asked once, kept on the phone)."""

    RIDER = "rider", _("Delivery rider")
    COURIER = "courier", _("Courier")
    RIDE_HAILING = "ride_hailing", _("Ride-hailing driver")
    TRUCK_DRIVER = "truck_driver", _("Truck driver")
    SANITATION = "sanitation", _("Sanitation worker")
    OTHER = "other", _("Other")


class UpkeepItem(models.TextChoices):
    """What the keeper checks every week (每周巡检)."""

    WATER = "water", _("Drinking water and hot water work")
    FIRST_AID = "first_aid", _("First-aid kit complete and in date")
    MICROWAVE = "microwave", _("Microwave and charging points work")
    ACCESS = "access", _("Door and 24-hour access work")
    CLEAN = "clean", _("Clean and tidy")


class SuggestionKind(models.TextChoices):
    SUGGESTION = "suggestion", _("Suggestion")  # 民意建议本
    WISH = "wish", _("Wish")  # 心愿墙


class Moderation(models.TextChoices):
    PENDING = "pending", _("Waiting for moderation")
    PUBLISHED = "published", _("Shown on the station page")
    HIDDEN = "hidden", _("Hidden")


class HelpTopic(models.TextChoices):
    """What a worker asks for help with ("I need help" on the station's QR page)."""

    WAGES = "wages", _("Unpaid wages")
    INJURY = "injury", _("Injury at work")
    DISPUTE = "dispute", _("Dispute with the employer or platform")
    SAFETY = "safety", _("Danger at work")
    HARDSHIP = "hardship", _("Hardship in daily life")
    OTHER = "other", _("Something else")


class HelpStatus(models.TextChoices):
    NEW = "new", _("New")
    TAKEN_UP = "taken_up", _("Taken up")


class VenueKind(models.TextChoices):
    """Shared facilities of the workers' homes (共享职工之家)."""

    BASKETBALL = "basketball", _("Basketball court")
    BADMINTON = "badminton", _("Badminton hall")
    GYM = "gym", _("Gym")
    MEETING_ROOM = "meeting_room", _("Meeting room")
    LIBRARY = "library", _("Library")
    OTHER = "other", _("Other facility")


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    CANCELLED = "cancelled", _("Cancelled")


class HeatLayer(models.TextChoices):
    """What the heat map counts: outdoor workers where they work, and where they rest (check-ins)."""

    WORKPLACES = "workplaces", _("Workplaces (union members)")
    CHECK_INS = "check_ins", _("Check-ins at stations (30 days)")
