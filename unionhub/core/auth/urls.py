"""Log-in pages, mounted at /admin/login/ before the admin's own URLs (staff host only)."""

from django.urls import path

from . import views

app_name = "staff-login"
urlpatterns = [
    path("", views.password_step, name="password"),
    path("second-factor/", views.second_factor, name="second-factor"),
    path("enrol/", views.enrol, name="enrol"),
    path("enrol/app/", views.enrol_app, name="enrol-app"),
    path("enrol/sms/", views.enrol_sms, name="enrol-sms"),
]
