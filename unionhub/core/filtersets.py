import django_filters

from .models import Federation, Job, RoleAssignment, User


class FederationFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="contains", label="name")

    class Meta:
        model = Federation
        fields = ["kind", "parent", "name"]


class UserFilterSet(django_filters.FilterSet):
    class Meta:
        model = User
        fields = ["federation", "is_active"]


class RoleAssignmentFilterSet(django_filters.FilterSet):
    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "federation"]


class JobFilterSet(django_filters.FilterSet):
    class Meta:
        model = Job
        fields = ["kind", "status"]
