from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ..actions import do_assign_role, do_mark_notification_read, do_save_federation
from ..filtersets import FederationFilterSet, JobFilterSet, RoleAssignmentFilterSet, UserFilterSet
from ..models import Federation, Job, Notification, RoleAssignment, User
from .serializers import (
    FederationSerializer,
    JobSerializer,
    NotificationSerializer,
    RoleAssignmentSerializer,
    UserSerializer,
)
from .viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet


class FederationViewSet(ScopedModelViewSet):
    queryset = Federation.objects.all()
    serializer_class = FederationSerializer
    filterset_class = FederationFilterSet
    save_action = staticmethod(do_save_federation)


class UserViewSet(ScopedReadOnlyViewSet):
    queryset = User.objects.select_related("federation")
    serializer_class = UserSerializer
    filterset_class = UserFilterSet


class RoleAssignmentViewSet(ScopedModelViewSet):
    queryset = RoleAssignment.objects.all()
    serializer_class = RoleAssignmentSerializer
    filterset_class = RoleAssignmentFilterSet
    save_action = staticmethod(do_assign_role)


class JobViewSet(ScopedReadOnlyViewSet):
    """Long jobs (imports, exports, reports) and their progress, for pages to poll."""

    queryset = Job.objects.all()
    serializer_class = JobSerializer
    filterset_class = JobFilterSet


class NotificationViewSet(ScopedReadOnlyViewSet):
    """The user's own in-app inbox."""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"], url_path="read")
    def mark_read(self, request: Request, pk: str | None = None) -> Response:
        notification = do_mark_notification_read(self.get_object(), actor=request.user)
        return Response(self.get_serializer(notification).data)
