"""Scan-to-join (扫码入会): the joining QR codes and where an application made through each one goes.

A joining code is a signed token naming what the QR was shown for: a grassroots union, a
zone, a station, or a joining event (集中入会) of a federation. Signed with the secret key
and its own salt, so a code cannot be made up or pointed elsewhere; it does not expire
(posters stay on walls), and a union, zone or station that is gone makes it unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse

from stations.models import Station
from unionhub.core.models import Federation
from unionhub.core.public import public_url
from zones.models import GrassrootsUnion, Zone

from .choices import JoinChannel

SALT = "members.join"
TARGETS: dict[str, type[models.Model]] = {
    JoinChannel.UNION: GrassrootsUnion,
    JoinChannel.ZONE: Zone,
    JoinChannel.STATION: Station,
    JoinChannel.EVENT: Federation,
}


@dataclass(frozen=True)
class JoinTarget:
    """What a joining code was made for, and the unions a worker who scanned it may join."""

    channel: str
    federation: Federation
    union: GrassrootsUnion | None  # fixed by a union's code
    zone: Zone | None
    event: str  # a joining event's name, shown on the form

    def unions(self) -> QuerySet[GrassrootsUnion]:
        """The unions offered on the form (a union's own code offers just that one)."""
        if self.union is not None:
            return GrassrootsUnion.objects.filter(pk=self.union.pk)
        unions = GrassrootsUnion.objects.filter(is_holding_pool=False)
        if self.zone is not None:
            return unions.filter(zone=self.zone).order_by("name")
        return unions.filter(federation_path__startswith=self.federation.path).order_by("name")


def join_token(channel: str, pk: int, event: str = "") -> str:
    return signing.dumps([channel, pk, event], salt=SALT, compress=True)


def join_url(request: HttpRequest | None, channel: str, pk: int, event: str = "") -> str:
    return public_url(request, reverse("members:join", args=[join_token(channel, pk, event)]))


def resolve(token: str) -> JoinTarget | None:
    """The target of a joining code; None for a forged, altered or stale one."""
    try:
        channel, pk, event = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    model = TARGETS.get(channel)
    target = model._default_manager.filter(pk=pk).first() if model else None
    if target is None:
        return None
    if isinstance(target, GrassrootsUnion):
        return JoinTarget(channel, target.federation, target, target.zone, "")
    if isinstance(target, Zone):
        return JoinTarget(channel, target.federation, None, target, "")
    if isinstance(target, Station):
        return JoinTarget(channel, target.federation, None, target.zone, "")
    assert isinstance(target, Federation)
    return JoinTarget(channel, target, None, None, event)
