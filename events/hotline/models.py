"""A hotline ticket file on its way in, like a roster import (members.RosterImport) but for grievances."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.choices import ImportStatus
from unionhub.core.choices import Action, Role
from unionhub.core.models import Federation, Job, path_index
from unionhub.core.scoping import ScopedManager, ScopeSpec


class HotlineImport(models.Model):
    """One export of a hotline system: uploaded, mapped, checked (a dry run), then imported or abandoned.

    Tickets are filed in ``federation`` (the importing staff member's node) with the hotline's
    ticket number, so that importing the same file again adds nothing. The file is private and
    deleted once imported or abandoned; ``errors`` keeps the first row errors as codes, read in
    the viewer's language. The column mapping is remembered per federation: the next file starts
    from the mapping of the federation's last import.
    """

    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    headers = models.JSONField(_("column headers"), default=list, blank=True)
    header_row = models.PositiveIntegerField(_("header row"), default=1)
    columns = models.JSONField(_("column mapping"), default=dict, blank=True)
    federation = models.ForeignKey(
        Federation, models.PROTECT, related_name="+", verbose_name=_("federation the tickets are filed in")
    )
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    new_rows = models.PositiveIntegerField(_("new grievances"), default=0)
    existing_rows = models.PositiveIntegerField(_("tickets already imported"), default=0)
    error_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    errors = models.JSONField(_("row errors"), default=list, blank=True)
    error_counts = models.JSONField(_("errors by kind"), default=dict, blank=True)
    job = models.ForeignKey(Job, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("job"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="hotline_imports", verbose_name=_("imported by")
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    # Federation staff of the node import hotline tickets; the importing user follows their own file.
    scope_spec = ScopeSpec(
        federation="federation_path", owner="created_by_id", only={Role.FEDERATION_STAFF: frozenset(Action.values)}
    )
    objects = ScopedManager()

    class Meta:
        verbose_name = _("hotline ticket import")
        verbose_name_plural = _("hotline ticket imports")
        indexes = [path_index("events_hotlineimport_fedpath", "id")]

    def __str__(self) -> str:
        return self.file_name

    def save(self, *args: object, **kwargs: object) -> None:
        self.federation_path = self.federation.path
        super().save(*args, **kwargs)  # type: ignore[arg-type]
