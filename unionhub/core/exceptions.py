from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _


class OutOfScope(PermissionDenied):
    """A write would leave the actor's scope; the transaction is rolled back."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("This is outside the part of the federation you look after."))


# PostgreSQL restarting or failing over, as a request or a task sees it: what was being done
# rolled back, so it can be asked again (a page answers 503 "try again", a task retries).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
