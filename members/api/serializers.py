from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from unionhub.core.api.serializers import JobSerializer, ValidatedModelSerializer
from unionhub.core.auth.reauth import PASSWORD_HELP, PASSWORD_LABEL, check_password_again

from ..choices import TransferSide
from ..models import CorrectionRequest, JoinApplication, Member, MemberTransfer


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


REVEAL_FIELDS = [("phone", _("mobile phone")), ("id_number", _("ID number"))]


class RevealSerializer(serializers.Serializer):
    """Ask to see one protected field in full; the reason goes into the access log."""

    field = serializers.ChoiceField(choices=REVEAL_FIELDS)
    reason = serializers.CharField(max_length=500, label=_("reason"))
    password = serializers.CharField(
        write_only=True, style={"input_type": "password"}, label=PASSWORD_LABEL, help_text=PASSWORD_HELP
    )

    def validate_password(self, value: str) -> str:
        check_password_again(self.context["request"]._request, value)
        return value


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


class CorrectionRequestSerializer(serializers.ModelSerializer):
    """A member's correction request as the deciding staff see it: the member's name and any number masked."""

    masked_name = serializers.CharField(source="member.masked_name", read_only=True, label=_("full name"))
    member_number = serializers.CharField(
        source="member.member_number", read_only=True, allow_null=True, label=_("member number")
    )
    corrected_value = serializers.CharField(source="shown_value", read_only=True, label=_("corrected value"))

    class Meta:
        model = CorrectionRequest
        fields = [
            "id",
            "member",
            "member_number",
            "masked_name",
            "union",
            "zone",
            "field",
            "corrected_value",
            "reason",
            "status",
            "refusal_reason",
            "decided_by",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields


# --- transfers (members.transfers) ---------------------------------------------------------------


class MemberTransferSerializer(serializers.ModelSerializer):
    """A transfer as either side sees it: the member masked (the receiving side sees no more before completion)."""

    masked_name = serializers.CharField(source="member.masked_name", read_only=True, label=_("full name"))
    id_number_masked = serializers.CharField(source="member.id_number_masked", read_only=True, label=_("ID number"))
    masked_phone = serializers.CharField(source="member.masked_phone", read_only=True, label=_("mobile phone"))
    from_union_name = serializers.CharField(source="from_union.name", read_only=True)
    to_union_name = serializers.CharField(source="to_union.name", read_only=True)
    # Declared so that the schema admits the blank of a transfer nobody refused.
    refused_side = serializers.ChoiceField(
        choices=TransferSide.choices, allow_blank=True, read_only=True, label=_("refused by side")
    )

    class Meta:
        model = MemberTransfer
        fields = [
            "id",
            "member",
            "masked_name",
            "id_number_masked",
            "masked_phone",
            "from_union",
            "from_union_name",
            "to_union",
            "to_union_name",
            "requested_by_side",
            "reason",
            "status",
            "requested_by",
            "requested_at",
            "sending_approved_by",
            "sending_approved_at",
            "receiving_approved_by",
            "receiving_approved_at",
            "refused_side",
            "refused_by",
            "refused_at",
            "refusal_reason",
            "cancelled_by",
            "cancelled_at",
            "completed_at",
        ]
        read_only_fields = fields


class TransferRequestSerializer(serializers.Serializer):
    """Ask for a transfer: the sending side names its ``member``; the receiving side the worker's
    ``id_number`` or ``phone`` (compared through the keyed hash). ``to_union`` is the destination."""

    to_union = serializers.IntegerField(label=_("to union"))
    member = serializers.IntegerField(required=False, label=_("member"))
    id_number = serializers.CharField(required=False, allow_blank=True, label=_("ID number"))
    phone = serializers.CharField(required=False, allow_blank=True, label=_("mobile phone"))
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000, label=_("reason"))

    def validate(self, attrs: dict) -> dict:
        by_number = bool(attrs.get("id_number") or attrs.get("phone"))
        if bool(attrs.get("member")) == by_number:
            raise serializers.ValidationError(
                _("Give either your member (to send them) or the worker's ID number or phone (to receive them).")
            )
        return attrs


class TransferSideSerializer(serializers.Serializer):
    side = serializers.ChoiceField(
        choices=[("sending", _("Sending union")), ("receiving", _("Receiving union"))],
        required=False,
        label=_("side"),
        help_text=_("Only needed by someone who looks after both unions and decides for one side."),
    )


class TransferRefusalSerializer(TransferSideSerializer):
    reason = serializers.CharField(max_length=1000, label=_("reason"))


class UnionLookupSerializer(serializers.Serializer):
    """Find a destination union outside your scope: its exact credit code, or exact name and federation name."""

    credit_code = serializers.CharField(required=False, allow_blank=True, max_length=18, label=_("credit code"))
    name = serializers.CharField(required=False, allow_blank=True, max_length=150, label=_("union name"))
    federation_name = serializers.CharField(
        required=False, allow_blank=True, max_length=100, label=_("federation name")
    )


class FoundUnionSerializer(serializers.Serializer):
    found = serializers.BooleanField()
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_blank=True)


class MemberLookupSerializer(serializers.Serializer):
    """Whether a worker is an active member somewhere: by ID number or phone, compared through the keyed hash."""

    id_number = serializers.CharField(required=False, allow_blank=True, label=_("ID number"))
    phone = serializers.CharField(required=False, allow_blank=True, label=_("mobile phone"))

    def validate(self, attrs: dict) -> dict:
        if not (attrs.get("id_number") or attrs.get("phone")):
            raise serializers.ValidationError(_("Give the worker's ID number or mobile phone."))
        return attrs


class FoundMemberSerializer(serializers.Serializer):
    found = serializers.BooleanField()
    masked_name = serializers.CharField(allow_blank=True)


# --- duplicates (members.merging) ------------------------------------------------------------------


class DuplicateMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member_number = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    union = serializers.IntegerField(source="union_id")
    union_name = serializers.CharField(source="union.name")
    status = serializers.CharField()
    joined_on = serializers.DateField(allow_null=True)
    masked_phone = serializers.CharField()
    id_number_masked = serializers.CharField()


class DuplicateGroupSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[("id_number", _("Same ID number")), ("phone_name", _("Same phone and name"))]
    )
    members = DuplicateMemberSerializer(many=True)


class DuplicatesSerializer(serializers.Serializer):
    scan = JobSerializer(allow_null=True, help_text=_("Your latest scan; POST to start another."))
    groups = DuplicateGroupSerializer(many=True)


class MergeSerializer(serializers.Serializer):
    survivor = serializers.IntegerField(label=_("record to keep"))
    merged = serializers.IntegerField(label=_("record to merge into it"))


class MergedSerializer(serializers.Serializer):
    survivor = serializers.IntegerField()
    merged = serializers.IntegerField()
    moved = serializers.DictField(child=serializers.IntegerField())
