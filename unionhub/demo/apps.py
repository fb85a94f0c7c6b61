from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo and scale data: the one place outside the layers that writes to every app."""

    name = "unionhub.demo"
    label = "demo"
    verbose_name = _("Demo data")
