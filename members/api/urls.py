from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("members", views.MemberViewSet)

urlpatterns = router.urls
