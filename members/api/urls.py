from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("members", views.MemberViewSet)
router.register("join-applications", views.JoinApplicationViewSet)

urlpatterns = router.urls
