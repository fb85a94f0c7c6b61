"""Activity pages: public registration (served on the public host too) and the staff check-in page under /m/;
the workers' public grievance pages (filing and tracking, events.grievance_pages); the zone workers'
grievance pages under /m/ (events.grievance_work)."""

from django.urls import path

from . import grievance_pages, grievance_work, views

app_name = "events"
urlpatterns = [
    path("activities/", views.activity_list, name="list"),
    path("activities/<int:pk>/", views.activity_page, name="activity"),
    path("activities/<int:pk>/register/", views.register, name="register"),
    path("activities/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("activities/<int:pk>/confirm/", views.accept_offer, name="accept-offer"),
    path("grievances/new/", grievance_pages.file_grievance, name="grievance-new"),
    path("grievances/filed/", grievance_pages.filed, name="grievance-filed"),
    path("grievances/track/", grievance_pages.track, name="grievance-track"),
    path("grievances/track/rate/", grievance_pages.rate, name="grievance-rate"),
    path("grievances/track/reopen/", grievance_pages.reopen, name="grievance-reopen"),
    path("grievances/track/leave/", grievance_pages.leave, name="grievance-leave"),
    path("m/activities/", views.staff_activities, name="staff-list"),
    path("m/activities/<int:pk>/check-in/", views.check_in, name="check-in"),
    path("m/grievances/", grievance_work.grievance_list, name="grievance-work-list"),
    path("m/grievances/<int:pk>/", grievance_work.grievance_page, name="grievance-work"),
]
