from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("theme-series", views.ThemeSeriesViewSet)
router.register("activities", views.ActivityViewSet)
router.register("registrations", views.RegistrationViewSet)
router.register("activity-photos", views.ActivityPhotoViewSet)

urlpatterns = router.urls
