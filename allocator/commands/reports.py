"""What `--json` prints: one pydantic model per reporting command, so the keys are stable and each has a
published JSON Schema (`vicon schema NAME`, docs/schema/NAME.schema.json, docs/cli.md).

Every report carries `report` (its name) and `version`; keys are only ever added within a version. Instants
are ISO 8601 in the site's zone with its offset (`2027-01-04T08:30:00+08:00`), next to `zone` and its
abbreviation (WIB/WITA/WIT).
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

VERSION = 1


class Report(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = VERSION

    def emit(self) -> None:
        """Print the report as JSON on stdout (the human text, if any, goes to stderr)."""
        sys.stdout.write(self.model_dump_json(indent=2) + "\n")


class Zoned(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zone: str
    zone_abbrev: str


class RequestRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: str
    start: datetime
    end: datetime
    unit: str
    title: str
    participants: int
    priority: str
    status: str
    plan_state: Literal["served", "unserved", "not planned"]
    host: str | None
    operators: list[str]
    flags: list[str]


class RequestsList(Report, Zoned):
    report: Literal["requests-list"] = "requests-list"
    requests: list[RequestRow]


class UnservedRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request: str
    code: str
    reason: str
    reason_id: str
    alternatives: list[str]


class AssignmentRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request: str
    host: str | None
    operators: list[str]
    start: datetime
    end: datetime
    moved: bool


class PlanFilters(BaseModel):
    """The filters of `vicon plan --json`: they pick the listed rows exactly as they pick the table's."""

    model_config = ConfigDict(extra="forbid")

    day: str | None  # site-local date, 2027-01-05
    host: str | None
    operator: str | None
    unit: str | None  # part of the unit's name, any case
    unserved: bool  # only the unserved requests


class PlanSummary(Report, Zoned):
    report: Literal["plan-summary"] = "plan-summary"
    status: str
    served: int
    unserved: int
    gap: float
    solve_seconds: float
    warnings: list[str]
    warning_details: list[WarningRow]  # `warnings` (English sentences) as codes, with their words in both languages
    restrictions: list[
        str
    ]  # search limits that cut options off (an optimal plan was proven despite them: `relaxation`)
    assignments: list[AssignmentRow]  # those the filters keep (all without filters)
    unserved_requests: list[UnservedRow]  # those the filters keep (none with --host or --operator)
    filters: PlanFilters  # as given to `vicon plan` (null / false: not filtered)


class WarningRow(BaseModel):
    """A plan's warning: its code and parameters (docs/cli.md), and its words in both languages."""

    model_config = ConfigDict(extra="forbid")

    # freeze_may_give_way, freeze_no_longer_fits, published_no_longer_fits, replanned_freely,
    # alternatives_not_searched, text
    code: str
    refs: list[str]
    by: str | None
    count: int | None
    text: str
    text_id: str


class ChangeRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request: str
    kind: Literal["gained", "lost", "moved", "not_served"]
    before_host: str | None
    before_operators: list[str]
    after_host: str | None
    after_operators: list[str]
    reason: str


class ReplanReport(Report):
    report: Literal["replan"] = "replan"
    dry_run: bool
    plan_id: int | None
    status: str
    served: int
    unserved: int
    solve_seconds: float
    notes: list[str]  # English: the plan's warnings, then its pre-emption offers
    warning_details: list[WarningRow]
    changes: list[ChangeRow]
    zoom_actions: dict[str, int]


class ExplainReport(Report, Zoned):
    report: Literal["explain"] = "explain"
    request: str
    outcome: Literal["served", "unserved", "not planned"]
    preview: bool  # explained from the next re-plan's dry run: the request is newer than the published plan
    title: str
    unit: str
    start: datetime
    end: datetime
    participants: int
    host: str | None
    operators: list[str]
    planned_start: datetime | None
    planned_end: datetime | None
    code: str | None
    reason: str | None
    reason_id: str | None
    alternatives: list[str]
    alternatives_id: list[str]


class KitRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kit: str
    name: str
    stock: int
    overdue: int
    min_free: int


class LoanRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request: str
    kit: str
    count: int
    pickup: datetime
    due: datetime
    returned_at: datetime | None
    state: Literal["planned", "out", "overdue", "returned"]


class KitsReport(Report, Zoned):
    report: Literal["kits"] = "kits"
    start: datetime
    end: datetime
    kits: list[KitRow]
    loans: list[LoanRow]


class KitsOverdueReport(Report, Zoned):
    report: Literal["kits-overdue"] = "kits-overdue"
    now: datetime
    loans: list[LoanRow]


class PublishedRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    published_at: datetime
    by: str
    served: int
    unserved: int
    status: str
    gap: float


class NotificationCounts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sent: int
    pending: int
    retrying: int
    gave_up: int
    held: int
    next_attempt_at: datetime | None
    problems: list[str]


class DaemonRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    leader: bool | None
    last_replan: datetime | None
    last_replan_summary: str
    database_down_since: datetime | None
    next_jobs: dict[str, datetime]
    errors: list[str]
    written_at: datetime | None


class StatusReport(Report, Zoned):
    report: Literal["status"] = "status"
    plan: PublishedRow | None
    outbox: dict[str, int]
    zoom_daily_budget_left: dict[str, int]
    notifications: NotificationCounts
    daemon: DaemonRow | None


REPORTS: dict[str, type[Report]] = {
    "requests-list": RequestsList,
    "plan-summary": PlanSummary,
    "replan": ReplanReport,
    "explain": ExplainReport,
    "kits": KitsReport,
    "kits-overdue": KitsOverdueReport,
    "status": StatusReport,
}
