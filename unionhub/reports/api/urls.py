from django.urls import path
from rest_framework.routers import SimpleRouter

from . import reports, views

router = SimpleRouter()
router.register("reports", reports.ReportViewSet, basename="report")

# Ids as DRF's routers take them (any path segment), so that a malformed id is answered after the
# permission check: 401/403 without credentials, 404 with them.
urlpatterns = [
    path("dashboard/summary/", views.SummaryView.as_view(), name="dashboard-summary"),
    path("dashboard/trends/", views.TrendsView.as_view(), name="dashboard-trends"),
    path("dashboard/hot-words/", views.HotWordsView.as_view(), name="dashboard-hot-words"),
    path("dashboard/zones/", views.ZoneTableView.as_view(), name="dashboard-zones"),
    path("dashboard/zones/<str:pk>/", views.ZoneDetailView.as_view(), name="dashboard-zone"),
    path("dashboard/unions/<str:pk>/", views.UnionDetailView.as_view(), name="dashboard-union"),
    path("dashboard/map/zones/", views.ZoneMapView.as_view(), name="dashboard-map-zones"),
    path("dashboard/map/stations/", views.StationMapView.as_view(), name="dashboard-map-stations"),
]
urlpatterns += router.urls
