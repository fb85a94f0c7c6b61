from rest_framework.routers import SimpleRouter

from . import roster, views

router = SimpleRouter()
router.register("members", views.MemberViewSet)
router.register("join-applications", views.JoinApplicationViewSet)
router.register("member-imports", roster.RosterImportViewSet, basename="member-import")
router.register("member-exports", roster.MemberExportViewSet, basename="member-export")

urlpatterns = router.urls
