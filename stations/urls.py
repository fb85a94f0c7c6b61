"""Public pages of stations: served on the public host name too (see core.middleware)."""

from django.urls import path

from . import views

app_name = "stations"
urlpatterns = [
    path("stations/", views.finder, name="finder"),
    path("stations/nearest/", views.NearestStations.as_view(), name="nearest"),
    path("s/<str:code>/", views.station_page, name="station"),
    path("s/<str:code>/check-in/", views.check_in, name="check-in"),
    path("s/<str:code>/suggest/", views.leave_suggestion, name="suggest"),
    path("s/<str:code>/help/", views.ask_for_help, name="help"),
    path("s/<str:code>/photos/<int:pk>/", views.photo, name="photo"),
]
