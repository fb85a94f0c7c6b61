"""The one scoping mechanism: who may do what to which rows (DESIGN.md rule 1).

A user's role assignments become *grants*: (role, kind, value), where kind says what the
role is bound to (a federation node by its path, or a zone, union or station by id). Core
resolves federation assignments; zones and stations register resolvers for their own
bindings in ``AppConfig.ready()``. Each scoped model declares a ``ScopeSpec`` naming the
field that carries each kind, and ``Model.objects.restrict(user, action)`` ORs together the
conditions of every grant whose role allows that action on that model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import models
from django.db.models import Q
from django.http import Http404

from .choices import ROLE_ACTIONS, Action, NodeKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import User


class Grant(NamedTuple):
    role: str
    kind: str  # a NodeKind value
    value: Any  # a federation path for NodeKind.FEDERATION, else a primary key


Resolver = Callable[["User"], Iterable[Grant]]
_resolvers: list[Resolver] = []


def register_resolver(resolver: Resolver) -> Resolver:
    """Add a function that yields a user's grants from one app's role bindings."""
    if resolver not in _resolvers:
        _resolvers.append(resolver)
    return resolver


def grants_for(user: User) -> tuple[Grant, ...]:
    """Every grant of the user, computed once per user object (that is, once per request)."""
    cached = getattr(user, "_unionhub_grants", None)
    if cached is None:
        cached = tuple(grant for resolver in _resolvers for grant in resolver(user))
        user._unionhub_grants = cached  # type: ignore[attr-defined]
    return cached


def scope_key(user: User) -> str:
    """What ``restrict()`` reads of a user, as text: users with the same key see the same rows of
    every model, save rows they own (``ScopeSpec.owner``). For caches of figures shared by a scope."""
    if user.is_superuser:
        return "superuser"
    return repr(sorted(grants_for(user)))


def forget_grants(user: Any) -> None:
    """Drop the cached grants (after the user's assignments changed)."""
    if hasattr(user, "_unionhub_grants"):
        del user._unionhub_grants


@dataclass(frozen=True)
class ScopeSpec:
    """Which field of a model carries each kind of scope, and what roles may do beyond the defaults.

    ``federation`` names a materialised-path column (matched by prefix); ``zone``, ``union``
    and ``station`` name id columns; ``owner`` names a user id column whose user may always
    view the row. ``extra`` widens ROLE_ACTIONS per role for this model, ``only`` narrows
    them (for example, to keep leadership out of user accounts).
    """

    federation: str | None = None
    zone: str | None = None
    union: str | None = None
    station: str | None = None
    owner: str | None = None
    extra: dict[str, frozenset[str]] = field(default_factory=dict)
    only: dict[str, frozenset[str]] | None = None

    def field_for(self, kind: str) -> str | None:
        return {
            NodeKind.FEDERATION: self.federation,
            NodeKind.ZONE: self.zone,
            NodeKind.UNION: self.union,
            NodeKind.STATION: self.station,
        }[NodeKind(kind)]

    def actions_for(self, role: str) -> frozenset[str]:
        actions = ROLE_ACTIONS.get(role, frozenset()) | self.extra.get(role, frozenset())
        if self.only is not None:
            actions &= self.only.get(role, frozenset())
        return actions

    def q_for(self, user: User, action: str) -> Q | None:
        """The condition for rows the user may ``action``, or None when there are none."""
        paths: set[str] = set()
        ids: dict[str, set[Any]] = {}
        for grant in grants_for(user):
            column = self.field_for(grant.kind)
            if column is None or action not in self.actions_for(grant.role):
                continue
            if grant.kind == NodeKind.FEDERATION:
                paths.add(grant.value)
            else:
                ids.setdefault(column, set()).add(grant.value)
        conditions = [Q(**{f"{self.federation}__startswith": path}) for path in _outermost(paths)]
        conditions += [Q(**{f"{column}__in": sorted(values)}) for column, values in ids.items()]
        if self.owner and action == Action.VIEW:
            conditions.append(Q(**{self.owner: user.pk}))
        if not conditions:
            return None
        combined = conditions[0]
        for condition in conditions[1:]:
            combined |= condition
        return combined

    def allows_somewhere(self, user: User, action: str) -> bool:
        """Whether any of the user's grants allows ``action`` on this kind of row at all."""
        if not user.is_authenticated or not user.is_active:
            return False
        if user.is_superuser or (self.owner and action == Action.VIEW):
            return True
        return any(self.field_for(g.kind) is not None and action in self.actions_for(g.role) for g in grants_for(user))


@dataclass(frozen=True)
class EndsScopeSpec(ScopeSpec):
    """A row with two (or more) ends, each scoped by its own spec: a transfer between two unions.

    A user may act on the row from any end whose spec allows the action there; actions that
    belong to one end (the sending side approves for the sending side) ask ``q_for_end``.
    """

    ends: dict[str, ScopeSpec] = field(default_factory=dict)

    def q_for_end(self, end: str, user: User, action: str) -> Q | None:
        return self.ends[end].q_for(user, action)

    def q_for(self, user: User, action: str) -> Q | None:
        conditions = [q for q in (spec.q_for(user, action) for spec in self.ends.values()) if q is not None]
        if not conditions:
            return None
        combined = conditions[0]
        for condition in conditions[1:]:
            combined |= condition
        return combined

    def allows_somewhere(self, user: User, action: str) -> bool:
        return any(spec.allows_somewhere(user, action) for spec in self.ends.values())


def _outermost(paths: set[str]) -> list[str]:
    """Drop paths inside another path of the set: their rows are already covered."""
    kept: list[str] = []
    for path in sorted(paths, key=len):
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return kept


class ScopedQuerySet(models.QuerySet):
    def restrict(self, user: User | AnonymousUser | None, action: str = Action.VIEW) -> ScopedQuerySet:
        """The rows ``user`` may ``action``; none for anonymous or inactive users."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        condition = self.model.scope_spec.q_for(user, action)  # type: ignore[attr-defined]
        return self.none() if condition is None else self.filter(condition)

    def _fetch_all(self) -> None:
        # An empty queryset (none(): out of scope, a search nothing matches) is answered without
        # compiling its SQL, which Django does only to find it empty (a 35-column page: 0.5 ms).
        if self._result_cache is None and not self.query.combinator and self.query.is_empty():
            self._result_cache = []
        super()._fetch_all()  # type: ignore[misc]


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


def get_scoped_or_404(
    model_or_queryset: type[models.Model] | models.QuerySet, user: Any, action: str, **lookup: Any
) -> Any:
    """One object the user may ``action``, from a model or a narrower queryset.

    Missing and forbidden raise the same 404; so does a malformed id.
    """
    if isinstance(model_or_queryset, models.QuerySet):
        queryset = model_or_queryset
    else:
        queryset = model_or_queryset._default_manager.all()
    try:
        return queryset.restrict(user, action).get(**lookup)  # type: ignore[attr-defined]
    except (queryset.model.DoesNotExist, ValueError):
        raise Http404 from None


def ensure_in_scope(instance: models.Model, user: Any, action: str) -> None:
    """Re-check a written row inside its transaction: raise (and so roll back) if out of scope.

    Call it after the save, inside ``transaction.atomic``, so that a write can never move a
    row into someone else's scope (DESIGN.md rule 1).
    """
    from .exceptions import OutOfScope

    manager = type(instance)._default_manager
    if not manager.restrict(user, action).filter(pk=instance.pk).exists():  # type: ignore[attr-defined]
        raise OutOfScope()


def scoped_models() -> list[type[models.Model]]:
    """Every installed model that declares a ScopeSpec."""
    from django.apps import apps

    return [m for m in apps.get_models() if isinstance(getattr(m, "scope_spec", None), ScopeSpec)]
