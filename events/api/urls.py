from rest_framework.routers import SimpleRouter

from . import grievances, views

router = SimpleRouter()
router.register("theme-series", views.ThemeSeriesViewSet)
router.register("activities", views.ActivityViewSet)
router.register("registrations", views.RegistrationViewSet)
router.register("activity-photos", views.ActivityPhotoViewSet)
router.register("grievances", grievances.GrievanceViewSet)

urlpatterns = router.urls
