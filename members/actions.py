"""Writes of member records."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from unionhub.core.actions import save_scoped
from unionhub.core.models import User

from .models import Member


def do_save_member(member: Member, *, actor: User, phone: str = "", id_number: str = "") -> Member:
    """Save a member; a phone or ID number given here is validated, encrypted and hashed."""
    with transaction.atomic():
        errors = {}
        for field, value, setter in [
            ("phone", phone, member.set_phone),
            ("id_number", id_number, member.set_id_number),
        ]:
            if value:
                try:
                    setter(value)
                except ValidationError as exc:
                    errors[field] = exc.messages
        if errors:
            raise ValidationError(errors)
        save_scoped(member, actor=actor)
        if not member.member_number:
            member.member_number = f"{member.pk:010d}"
            Member.objects.filter(pk=member.pk).update(member_number=member.member_number)
    return member
