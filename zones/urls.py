from django.urls import path

from . import views

app_name = "mobile"
urlpatterns = [
    path("", views.my_visits, name="my-visits"),
    path("unions/<int:pk>/", views.union_page, name="union"),
    path("coverage/", views.coverage_page, name="coverage"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]
