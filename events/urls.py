"""Activity pages: public registration (served on the public host too) and the staff check-in page under /m/."""

from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("activities/", views.activity_list, name="list"),
    path("activities/<int:pk>/", views.activity_page, name="activity"),
    path("activities/<int:pk>/register/", views.register, name="register"),
    path("activities/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("activities/<int:pk>/confirm/", views.accept_offer, name="accept-offer"),
    path("m/activities/", views.staff_activities, name="staff-list"),
    path("m/activities/<int:pk>/check-in/", views.check_in, name="check-in"),
]
