from django.urls import path

from . import staff_views

app_name = "stations-staff"
urlpatterns = [
    path("", staff_views.upkeep_page, name="upkeep"),
]
