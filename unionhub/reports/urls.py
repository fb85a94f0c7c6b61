from django.urls import path

from . import report_views, views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("zones.xlsx", views.zones_xlsx, name="zones-xlsx"),
    path("hot-words.xlsx", views.hot_words_xlsx, name="hot-words-xlsx"),
    path("zones/<int:pk>/", views.zone, name="zone"),
    path("zones/<int:pk>/hot-words.xlsx", views.zone_hot_words_xlsx, name="zone-hot-words-xlsx"),
    path("zones/<int:pk>/unions.xlsx", views.zone_unions_xlsx, name="zone-unions-xlsx"),
    path("unions/<int:pk>/", views.union, name="union"),
    path("unions/<int:pk>/visits.xlsx", views.union_visits_xlsx, name="union-visits-xlsx"),
    path("evaluation/", report_views.evaluation_page, name="evaluation"),
    path("reports/", report_views.report_list, name="reports"),
    path("reports/<int:pk>/", report_views.report_detail, name="report"),
    path("reports/<int:pk>/<str:fmt>/", report_views.report_file, name="report-file"),
]
