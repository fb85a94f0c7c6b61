from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

api_v1 = [
    path("", include("unionhub.core.api.urls")),
    path("", include("zones.api.urls")),
    path("", include("stations.api.urls")),
    path("", include("members.api.urls")),
    path("", include("events.api.urls")),
    path("", include("unionhub.reports.api.urls")),
]

# Never a stack trace; 503 "try again" while PostgreSQL or Redis is unreachable.
handler500 = "unionhub.core.views.server_error"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # Before the admin: its log-in page, with lockout and the second factor (unionhub/core/auth).
    path("admin/login/", include("unionhub.core.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("m/stations/", include("stations.staff_urls")),
    path("m/", include("zones.urls")),
    path("dashboard/", include("unionhub.reports.urls")),
    path("open311/v2/", include("events.open311.urls")),
    path("", include("stations.urls")),
    path("", include("members.urls")),
    path("", include("events.urls")),
    path("", include("unionhub.core.urls")),
]
