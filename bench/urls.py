"""The project's URLs plus the floors, for benchmarks and their tests only (never deployed)."""

from django.urls import include, path

from . import floors

urlpatterns = [
    path("bench-floor/unions/", floors.unions),
    path("bench-floor/members/", floors.members),
    path("bench-floor/members/search/", floors.member_search),
    path("bench-floor/members/<int:pk>/card/", floors.member_card),
    path("bench-floor/zones/geojson/", floors.zones_geojson),
    path("bench-floor/zones/", floors.zones),
    path("bench-floor/stations/", floors.stations),
    path("bench-floor/admin/members/", floors.member_changelist),
    path("bench-floor/m/", floors.my_visits),
    path("bench-floor/m/coverage/", floors.coverage_page),
    path("bench-floor/visit-plan/", floors.plan_list),
    path("bench-floor/visit-plan/coverage/", floors.coverage_api),
    path("bench-floor/dashboard/figures/", floors.dashboard_figures),
    path("bench-floor/dashboard/page/", floors.dashboard_page),
    path("bench-floor/dashboard/zones/", floors.dashboard_zones),
    path("bench-floor/dashboard/zones/<int:pk>/", floors.dashboard_zone),
    path("bench-floor/dashboard/unions/<int:pk>/", floors.dashboard_union),
    path("bench-floor/dashboard/map/zones/", floors.dashboard_map_zones),
    path("bench-floor/dashboard/map/stations/", floors.dashboard_map_stations),
    path("bench-floor/stations/nearest/", floors.nearest),
    path("bench-floor/stations/<int:pk>/usage/", floors.station_usage),
    path("bench-floor/heat-map/geojson/", floors.heat_map),
    path("bench-floor/grievances/", floors.grievances),
    path("bench-floor/visits/", floors.visits),
    path("", include("unionhub.urls")),
]
