from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("federations", views.FederationViewSet)
router.register("users", views.UserViewSet)
router.register("role-assignments", views.RoleAssignmentViewSet)
router.register("jobs", views.JobViewSet)
router.register("notifications", views.NotificationViewSet)

urlpatterns = router.urls
