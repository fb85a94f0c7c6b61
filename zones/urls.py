from django.urls import path

from . import views

app_name = "mobile"
urlpatterns = [
    path("", views.my_visits, name="my-visits"),
    path("unions/<int:pk>/", views.union_page, name="union"),
    path("coverage/", views.coverage_page, name="coverage"),
    path("inbox/", views.inbox_page, name="inbox"),
    path("demands/", views.demands_page, name="demands"),
    path("demands/<int:pk>/", views.demand_page, name="demand"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]
