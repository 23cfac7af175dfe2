"""Who from a unit may start the meeting it runs itself on the office's host: its trained operator, made Zoom
*alternative host* of that one meeting (docs/units.md says why this first, a start link on a signed-in page only for
those without a licensed user, and never a password).

A unit runs its own meeting when the office lends only the host: a link-only request (`service: link`), or a
request the planner chose to serve self-operated. The unit's trained operators (`UnitOperator`) who hold their own
licensed user on the same Zoom account as the host (`zoom_user`, `zoom_account`) become its alternative hosts:
Zoom lets them start it signed in as themselves, from their own Zoom client, and nobody else. Zoom accepts only a
licensed user of the host's own account other than the host; the sandbox refuses anything else with Zoom's error.
"""

from __future__ import annotations

from collections.abc import Sequence

from allocator.planner.domain import Assignment, Request, ServiceType, UnitOperator, ZoomHost


def runs_itself(req: Request, a: Assignment | None) -> bool:
    """The unit, not the office, runs this meeting on our host."""
    return req.service is ServiceType.LINK or (a is not None and a.self_operated)


def alternative_hosts(
    req: Request, a: Assignment | None, host: ZoomHost, unit_operators: Sequence[UnitOperator]
) -> tuple[str, ...]:
    """The unit's own users on the host's account, for a meeting the unit runs itself (sorted, lower-case)."""
    if not unit_operators or not runs_itself(req, a):
        return ()
    own = host.zoom_user.strip().lower()
    found = {
        u.zoom_user.strip().lower()
        for u in unit_operators
        if u.unit == req.unit and u.zoom_user and u.zoom_account == host.account and u.zoom_user.strip().lower() != own
    }
    return tuple(sorted(found))
