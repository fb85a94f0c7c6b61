from django.db import models
from django.utils.translation import gettext_lazy as _


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
