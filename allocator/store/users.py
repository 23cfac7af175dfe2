"""Accounts of the people who sign in to the pages (admins, operators, and a unit's trained operator who may fetch
a fresh start link of a meeting their unit runs itself: role `unit`, whose `operator` column holds the unit
operator's id, `UnitOperator.id`). The store keeps only a password hash made
by the web layer (`allocator.web.accounts`), never a password, and audits every change without the hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from allocator.planner.errors import ViconError
from allocator.store.models import OperatorRow, UserRow
from allocator.store.repo import Store, audit

ROLES = ("admin", "operator", "unit")


class UserError(ViconError):
    """A user cannot be added or changed as asked (the message names the field)."""


@dataclass(frozen=True)
class UserAccount:
    name: str
    role: str
    operator: str | None
    password_hash: str
    active: bool
    session: int
    created_at: datetime
    last_login_at: datetime | None


def _view(row: UserRow) -> UserAccount:
    return UserAccount(row.name, row.role, row.operator, row.password_hash, row.active, row.session,
                       row.created_at, row.last_login_at)  # fmt: skip


def _public(row: UserRow) -> dict[str, Any]:
    """What the audit log records of a user: never the hash."""
    return {"role": row.role, "operator": row.operator, "active": row.active, "session": row.session}


def add_user(
    store: Store, name: str, role: str, password_hash: str, *, operator: str | None, actor: str
) -> UserAccount:
    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise UserError("name: 1 to 64 characters, no spaces")
    if role not in ROLES:
        raise UserError(f"role: must be one of {', '.join(ROLES)}, not {role!r}")
    if role == "unit" and not operator:
        raise UserError("unit_operator: a unit account needs the id of the unit's trained operator it belongs to "
                        "(--unit-operator UO01, see `vicon units list`)")  # fmt: skip
    if role != "unit" and (role == "operator") != bool(operator):
        raise UserError("operator: an operator account needs its operator id (--operator OP01); an admin has none")
    if role == "unit" and operator not in {u.id for u in store.unit_operators()}:
        raise UserError(f"unit_operator: unknown unit operator {operator!r} (see `vicon units list`)")
    now = store.now()
    with store.transaction() as s:
        if s.get(UserRow, name) is not None:
            raise UserError(f"name: user {name!r} already exists")
        if role == "operator" and s.get(OperatorRow, operator) is None:
            raise UserError(f"operator: unknown operator {operator!r}")
        row = UserRow(name=name, role=role, operator=operator, password_hash=password_hash, active=True, session=1,
                      created_at=now, updated_at=now, last_login_at=None)  # fmt: skip
        s.add(row)
        audit(s, at=now, actor=actor, action="user.added", entity="user", entity_id=name, new=_public(row))
        return _view(row)


def get_user(store: Store, name: str) -> UserAccount | None:
    with store.transaction() as s:
        row = s.get(UserRow, name.strip())
        return _view(row) if row is not None else None


def list_users(store: Store) -> list[UserAccount]:
    with store.transaction() as s:
        return [_view(r) for r in s.scalars(sa.select(UserRow).order_by(UserRow.name))]


def _change(
    store: Store, name: str, action: str, actor: str, *, end_sessions: bool = False, **values: Any
) -> UserAccount:
    now = store.now()
    with store.transaction() as s:
        row = s.get(UserRow, name.strip())
        if row is None:
            raise UserError(f"name: no user {name!r}")
        old = _public(row)
        for key, value in values.items():
            setattr(row, key, value)
        if end_sessions:
            row.session += 1
        if action not in ("user.signed_in", "user.signed_out"):
            row.updated_at = now
            audit(s, at=now, actor=actor, action=action, entity="user", entity_id=row.name, old=old, new=_public(row))
        return _view(row)


def set_password(store: Store, name: str, password_hash: str, *, actor: str) -> UserAccount:
    """A new password ends every session signed in with the old one."""
    return _change(store, name, "user.password_set", actor, end_sessions=True, password_hash=password_hash)


def disable_user(store: Store, name: str, *, actor: str) -> UserAccount:
    """The user can no longer sign in, and their open sessions end."""
    return _change(store, name, "user.disabled", actor, end_sessions=True, active=False)


def end_sessions(store: Store, name: str, *, actor: str) -> UserAccount:
    """Signing out: every session of the user ends (a copied cookie included)."""
    return _change(store, name, "user.signed_out", actor, end_sessions=True)


def enable_user(store: Store, name: str, *, actor: str) -> UserAccount:
    return _change(store, name, "user.enabled", actor, active=True)


def note_sign_in(store: Store, name: str) -> None:
    _change(store, name, "user.signed_in", "system", last_login_at=store.now())
