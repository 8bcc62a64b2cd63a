"""Who did what: the actor of every change and the record each service writes inside its transaction.

pretix's ``order.log_action`` is the model: services take the actor as an argument and call
:func:`log_action` where they write the change, so the record commits or rolls back with it. The workshop
app is the ground floor, so every other app can record here without importing each other.
"""

import datetime
import decimal
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from workshops.models import ActionLog


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff user, the public form, a delegation's self-service link, or the system."""

    kind: str
    user: Any = None  # the staff user (settings.AUTH_USER_MODEL) for kind "staff"

    @classmethod
    def staff(cls, user) -> "Actor":
        return cls(ActionLog.ActorKind.STAFF, user)

    @property
    def is_staff(self) -> bool:
        return self.kind == ActionLog.ActorKind.STAFF

    def __str__(self) -> str:
        if self.user is not None:
            return self.user.get_username()
        return str(ActionLog.ActorKind(self.kind).label)


PUBLIC = Actor(ActionLog.ActorKind.PUBLIC)
SELF_SERVICE = Actor(ActionLog.ActorKind.SELF_SERVICE)
SYSTEM = Actor(ActionLog.ActorKind.SYSTEM)


def _plain(value: Any) -> Any:
    """A value as JSON can hold it (dates as ISO text, model instances as their text, lists kept)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The values of `fields` of an instance (foreign keys by their id), for a before/after record."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        values[name] = _plain(getattr(instance, field.attname))
    return values


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value differs."""
    return {
        name: [_plain(before.get(name)), _plain(after.get(name))]
        for name in sorted(set(before) | set(after))
        if _plain(before.get(name)) != _plain(after.get(name))
    }


def log_action(
    *,
    actor: Actor,
    action: str,
    obj: models.Model,
    workshop_id: int | None = None,
    data: Mapping[str, Any] | None = None,
) -> ActionLog:
    """Record that `actor` did `action` (a dotted code, e.g. "registration.moved") to `obj`.

    Call it inside the transaction that makes the change. ``data`` holds what changed, typically
    ``{"changes": changes(before, after)}`` or the new values. Side effects: one ActionLog row.
    """
    user = actor.user if actor.is_staff else None
    return ActionLog.objects.create(
        actor_kind=actor.kind,
        user=user,
        user_name=user.get_username() if user is not None else "",
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        workshop_id=workshop_id,
        data=_plain(dict(data or {})),
    )
