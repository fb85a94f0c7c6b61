from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("stations", views.StationViewSet)
router.register("station-keepers", views.StationKeeperViewSet)
router.register("upkeep-checks", views.UpkeepCheckViewSet)

urlpatterns = router.urls
