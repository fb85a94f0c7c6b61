"""Excel workbooks, phones masked: an activity's registration and attendance list, and grievance lists.

An activity has at most a few thousand registrations, so the workbook is written in the
request (no Job); it carries the exporting user's watermark, as member exports do.
"""

from __future__ import annotations

import io

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from members.roster.exports import watermark
from unionhub.core.choices import SecurityEventKind
from unionhub.core.models import User
from unionhub.core.security_log import record as record_security_event

from .models import Activity, Grievance


def attendance_workbook(activity: Activity, *, actor: User) -> bytes:
    """Every registration of the activity, in the order they came, with its status and attendance."""
    mark = watermark(actor, timezone.now(), unmasked=False)
    workbook = Workbook(write_only=True)
    workbook.properties.creator = actor.username
    workbook.properties.title = activity.title
    workbook.properties.description = mark
    sheet = workbook.create_sheet(_("Registrations"))
    sheet.freeze_panes = "A4"
    sheet.append([activity.title, timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M")])
    sheet.append([mark])
    sheet.append(
        [
            _("No."),
            _("Full name"),
            _("Phone"),
            _("Member of"),
            _("Union cadre of"),
            _("Status"),
            _("Registered at"),
            _("Attendance"),
            _("Checked in at"),
        ]
    )
    registrations = (
        activity.registrations.select_related("member_union", "cadre_of")
        .only(
            "name",
            "phone_last4",
            "status",
            "attendance",
            "created_at",
            "checked_in_at",
            "member_union__name",
            "cadre_of__name",
        )
        .order_by("created_at", "id")
    )
    exported = 0
    for number, registration in enumerate(registrations.iterator(chunk_size=500), start=1):
        checked_in = registration.checked_in_at
        sheet.append(
            [
                number,
                registration.name,
                registration.masked_phone,
                registration.member_union.name if registration.member_union else "",
                registration.cadre_of.name if registration.cadre_of else "",
                str(registration.get_status_display()),
                timezone.localtime(registration.created_at).strftime("%Y-%m-%d %H:%M"),
                str(registration.get_attendance_display()),
                timezone.localtime(checked_in).strftime("%Y-%m-%d %H:%M") if checked_in else "",
            ]
        )
        exported = number
    # Names of the people who registered leave the portal: on the security log, like every export.
    record_security_event(
        SecurityEventKind.EXPORT, actor=actor, obj=activity, detail={"what": "attendance", "rows": exported}
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# A grievance export is written in the request; larger lists are narrowed by the filters first.
GRIEVANCE_EXPORT_MAX_ROWS = 20_000


def grievance_workbook(grievances: QuerySet[Grievance], *, actor: User) -> bytes:
    """The grievances (already restricted for EXPORT and filtered) as a workbook, phones masked.

    The submitter's name is left out of every row that is kept from the exporting user
    (Grievance.hides_submitter_from: employer-blind, and they chair the employer's union).
    """
    mark = watermark(actor, timezone.now(), unmasked=False)
    workbook = Workbook(write_only=True)
    workbook.properties.creator = actor.username
    workbook.properties.description = mark
    sheet = workbook.create_sheet(_("Grievances"))
    sheet.append([mark])
    sheet.append(
        [
            _("Tracking code"),
            _("Submitted at"),
            _("Came in by"),
            _("Category"),
            _("Status"),
            _("Tier"),
            _("Zone"),
            _("Union concerned"),
            _("Submitter"),
            _("Phone"),
            _("Due"),
            _("Escalated to"),
            _("Rating"),
            _("Description"),
        ]
    )
    rows = grievances.select_related("zone", "union").defer("zone__boundary", "union__location", "place")
    exported = 0
    for grievance in rows.order_by("created_at", "id").iterator(chunk_size=500):
        exported += 1
        hidden = grievance.hides_submitter_from(actor)
        sheet.append(
            [
                grievance.formatted_code,
                timezone.localtime(grievance.created_at).strftime("%Y-%m-%d %H:%M"),
                str(grievance.get_channel_display()),
                str(grievance.get_category_display()),
                str(grievance.get_status_display()),
                str(grievance.get_tier_display()),
                grievance.zone.name if grievance.zone else "",
                grievance.union.name if grievance.union else "",
                "" if hidden else grievance.submitter_name,
                "" if hidden else grievance.masked_phone,
                timezone.localtime(grievance.due_at).strftime("%Y-%m-%d %H:%M") if grievance.due_at else "",
                str(grievance.get_escalation_level_display()),
                grievance.rating or "",
                grievance.description,
            ]
        )
    record_security_event(SecurityEventKind.EXPORT, actor=actor, detail={"what": "grievances", "rows": exported})
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
