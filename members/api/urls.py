from rest_framework.routers import SimpleRouter

from . import hardship, roster, views

router = SimpleRouter()
router.register("members", views.MemberViewSet)
router.register("join-applications", views.JoinApplicationViewSet)
router.register("member-corrections", views.CorrectionRequestViewSet)
router.register("member-transfers", views.MemberTransferViewSet)
router.register("member-imports", roster.RosterImportViewSet, basename="member-import")
router.register("member-exports", roster.MemberExportViewSet, basename="member-export")
router.register("hardship-cases", hardship.HardshipCaseViewSet)
router.register("hardship-budgets", hardship.HardshipBudgetViewSet)
router.register("hardship-suggestions", hardship.HardshipSuggestionViewSet)

urlpatterns = router.urls
