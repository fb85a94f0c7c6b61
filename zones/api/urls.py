from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("zones", views.ZoneViewSet)
router.register("unions", views.GrassrootsUnionViewSet)
router.register("enterprises", views.EnterpriseViewSet)
router.register("zone-staff", views.ZoneStaffViewSet)
router.register("union-chairs", views.UnionChairViewSet)
router.register("visits", views.VisitViewSet)
router.register("visit-photos", views.VisitPhotoViewSet)
router.register("findings", views.FindingViewSet)
router.register("visit-plan", views.VisitPlanEntryViewSet)
router.register("service-resources", views.ServiceResourceViewSet)
router.register("demand-matches", views.DemandMatchViewSet)
router.register("work-items", views.WorkItemViewSet)

urlpatterns = router.urls
