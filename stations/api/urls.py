from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("stations", views.StationViewSet)
router.register("station-keepers", views.StationKeeperViewSet)
router.register("upkeep-checks", views.UpkeepCheckViewSet)
router.register("suggestions", views.SuggestionViewSet)
router.register("help-requests", views.HelpRequestViewSet)
router.register("heat-map", views.HeatMapViewSet)

urlpatterns = router.urls
