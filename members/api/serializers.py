from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from unionhub.core.api.serializers import ValidatedModelSerializer

from ..models import JoinApplication, Member


class MemberSerializer(ValidatedModelSerializer):
    """A member record. Phone and ID number are written here but only ever read back masked."""

    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, label=_("mobile phone"))
    id_number = serializers.CharField(write_only=True, required=False, allow_blank=True, label=_("ID number"))
    masked_phone = serializers.CharField(read_only=True)
    id_number_masked = serializers.CharField(read_only=True)
    union_name = serializers.CharField(source="union.name", read_only=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "member_number",
            "name",
            "union",
            "union_name",
            "zone",
            "status",
            "occupation",
            "work_form",
            "employer",
            "joined_on",
            "left_on",
            "is_model_worker",
            "is_craftsman",
            "in_hardship",
            "phone",
            "id_number",
            "masked_phone",
            "id_number_masked",
        ]
        read_only_fields = ["member_number", "zone"]

    def validate(self, attrs: dict) -> dict:
        # Phone and ID number are not model fields: the action validates, encrypts and hashes them.
        personal = {key: attrs.pop(key) for key in ("phone", "id_number") if key in attrs}
        attrs = super().validate(attrs)
        attrs.update(personal)
        return attrs


class RevealSerializer(serializers.Serializer):
    """Ask to see one protected field in full; the reason goes into the access log."""

    field = serializers.ChoiceField(choices=[("phone", _("mobile phone")), ("id_number", _("ID number"))])
    reason = serializers.CharField(max_length=500, label=_("reason"))


class RevealedSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class MemberSearchSerializer(serializers.Serializer):
    """Look members up by phone or ID number (compared through the keyed hash), or by name."""

    phone = serializers.CharField(required=False, allow_blank=True, label=_("mobile phone"))
    id_number = serializers.CharField(required=False, allow_blank=True, label=_("ID number"))
    name = serializers.CharField(required=False, allow_blank=True, max_length=50, label=_("full name"))

    def validate(self, attrs: dict) -> dict:
        if not any(attrs.get(key) for key in ("phone", "id_number", "name")):
            raise serializers.ValidationError(_("Give a phone number, an ID number or a name."))
        return attrs


class JoinApplicationSerializer(serializers.ModelSerializer):
    """An application as the deciding staff see it: name, phone and ID number masked."""

    masked_name = serializers.CharField(read_only=True)
    masked_phone = serializers.CharField(read_only=True)
    union_name = serializers.CharField(source="union.name", read_only=True)

    class Meta:
        model = JoinApplication
        fields = [
            "id",
            "masked_name",
            "masked_phone",
            "id_number_masked",
            "union",
            "union_name",
            "zone",
            "channel",
            "employer",
            "occupation",
            "work_form",
            "member_elsewhere",
            "status",
            "reason",
            "decided_by",
            "decided_at",
            "member",
            "created_at",
        ]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField(label=_("approve"))
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000, label=_("reason"))
