from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("zones", views.ZoneViewSet)
router.register("unions", views.GrassrootsUnionViewSet)
router.register("enterprises", views.EnterpriseViewSet)
router.register("zone-staff", views.ZoneStaffViewSet)
router.register("union-chairs", views.UnionChairViewSet)

urlpatterns = router.urls
