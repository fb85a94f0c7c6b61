"""The shapes of the dashboard's JSON (for the OpenAPI schema); the figures come from unionhub.reports.dashboard."""

from __future__ import annotations

from rest_framework import serializers


class PeriodSerializer(serializers.Serializer):
    first = serializers.CharField(help_text="YYYY-MM")
    last = serializers.CharField(help_text="YYYY-MM")
    compare = serializers.ChoiceField(choices=["previous", "year", "none"])
    compared_first = serializers.CharField(allow_null=True)
    compared_last = serializers.CharField(allow_null=True)


class CardSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="null: no figure recorded for the period")
    compared = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(allow_null=True)


class SummarySerializer(serializers.Serializer):
    period = PeriodSerializer()
    cards = CardSerializer(many=True)
    refreshed_at = serializers.DateTimeField(allow_null=True, help_text="When the summary table was last refreshed.")


class DashboardHotWordSerializer(serializers.Serializer):
    word = serializers.CharField()
    count = serializers.IntegerField(help_text="Grievances of the quarter mentioning it")
    compared = serializers.IntegerField(allow_null=True, help_text="In the compared quarter; null: no comparison")
    change = serializers.IntegerField(allow_null=True)


class DashboardHotWordsSerializer(serializers.Serializer):
    quarter = serializers.CharField(help_text="The quarter of the period's last month, e.g. 2026Q4")
    compared_quarter = serializers.CharField(allow_null=True)
    words = DashboardHotWordSerializer(many=True)
    refreshed_at = serializers.DateTimeField(allow_null=True, help_text="When the hot words were last counted.")


class TrendsSerializer(serializers.Serializer):
    period = PeriodSerializer()
    months = serializers.ListField(child=serializers.CharField())
    labels = serializers.DictField(child=serializers.CharField())
    series = serializers.DictField(child=serializers.ListField(child=serializers.FloatField(allow_null=True)))
    compared = serializers.DictField(
        child=serializers.ListField(child=serializers.FloatField(allow_null=True)), allow_null=True
    )


class ZoneRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="null: rows in no zone")
    name = serializers.CharField()
    members = serializers.IntegerField()
    members_new = serializers.IntegerField()
    new_form_percent = serializers.FloatField(allow_null=True)
    unions = serializers.IntegerField(allow_null=True)
    unions_to_visit = serializers.IntegerField()
    unions_visited = serializers.IntegerField()
    visited_percent = serializers.FloatField(allow_null=True)
    visits = serializers.IntegerField()
    findings_found = serializers.IntegerField()
    findings_handled = serializers.IntegerField()
    stations = serializers.IntegerField(allow_null=True)
    check_ins = serializers.IntegerField()
    activities = serializers.IntegerField()
    participants = serializers.IntegerField()
    grievances_found = serializers.IntegerField(help_text="Grievances submitted in the period")
    grievances_handled = serializers.IntegerField(help_text="Of those, resolved at least once")
    grievances_on_time_percent = serializers.FloatField(
        allow_null=True, help_text="Handled by their due time / handled (%); null: none handled"
    )
    grievances_evaluated = serializers.IntegerField()
    grievances_satisfied_percent = serializers.FloatField(
        allow_null=True, help_text="Rated 4 or 5 / evaluated (%); null: none evaluated"
    )
    grievances_reopened = serializers.IntegerField()
    hardship_paid_cases = serializers.IntegerField(help_text="Hardship cases paid in the period")
    hardship_paid = serializers.FloatField(help_text="Hardship aid paid in the period (yuan)")


class ZoneTableSerializer(serializers.Serializer):
    period = PeriodSerializer()
    results = ZoneRowSerializer(many=True)


class UnionRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    member_count = serializers.IntegerField()
    anomaly_index = serializers.IntegerField(allow_null=True, help_text="null: not computed yet")
    days_since_visit = serializers.IntegerField(allow_null=True)
    open_findings = serializers.IntegerField(allow_null=True)
    new_members_90d = serializers.IntegerField(allow_null=True)
    computed_at = serializers.DateTimeField(allow_null=True)


class ZoneBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ZoneDetailSerializer(serializers.Serializer):
    zone = ZoneBriefSerializer()
    period = PeriodSerializer()
    cards = CardSerializer(many=True)
    grievance_median_days = serializers.FloatField(
        allow_null=True,
        help_text="Median days from submission to first resolution of the zone's grievances found in the period",
    )
    results = UnionRowSerializer(many=True)


class IndicatorSerializer(serializers.Serializer):
    anomaly_index = serializers.IntegerField()
    days_since_visit = serializers.IntegerField(allow_null=True)
    open_findings = serializers.IntegerField()
    new_members_90d = serializers.IntegerField(allow_null=True)
    cadres_trained_12m = serializers.IntegerField(allow_null=True)
    computed_at = serializers.DateTimeField(allow_null=True)


class UnionVisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    visited_at = serializers.DateTimeField()
    duties = serializers.ListField(child=serializers.CharField())
    review = serializers.CharField()


class UnionGrievancesSerializer(serializers.Serializer):
    found = serializers.IntegerField()
    handled = serializers.IntegerField()
    handled_on_time = serializers.IntegerField()
    evaluated = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    reopened = serializers.IntegerField()


class UnionHardshipSerializer(serializers.Serializer):
    cases = serializers.IntegerField()
    paid = serializers.FloatField(help_text="yuan")


class UnionDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    zone = ZoneBriefSerializer(allow_null=True)
    member_count = serializers.IntegerField()
    chair_name = serializers.CharField()
    address = serializers.CharField()
    indicator = IndicatorSerializer(allow_null=True)
    quarter = serializers.CharField()
    planned_this_quarter = serializers.BooleanField()
    visited_this_quarter = serializers.BooleanField()
    visits = UnionVisitSerializer(many=True)
    findings = serializers.DictField(child=serializers.IntegerField(), help_text="Findings by status")
    grievances = UnionGrievancesSerializer(help_text="Grievances about the union submitted in the period")
    hardship = UnionHardshipSerializer(help_text="Hardship aid paid to the union's members in the period")
