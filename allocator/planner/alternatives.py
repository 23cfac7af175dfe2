"""For a request the plan cannot serve: the nearest ways it could be, without moving anything already planned.

Tried in the order an office would offer them: the same time without an operator (the unit runs it; "self-operated"
when the unit has a trained operator who may, allocator/planner/self_operated.py),
the same time on a smaller free host with fewer participants, then other start times on the same day and
the next days, nearest first, inside office hours. Each is checked against the plan's agendas and the
same per-request rules as the solver uses, so an offered alternative really is free.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from allocator.planner.candidates import CandidateBuilder, to_minutes, to_minutes_ceil
from allocator.planner.domain import Alternative, Assignment, Request, ServiceType
from allocator.planner.explain import (
    Agenda,
    host_blockers,
    kit_loans,
    kit_span,
    minutes_of,
    operator_blockers,
    overlapping,
    peak_held,
    when,
)
from allocator.planner.kit_faults import working_stock
from allocator.planner.overtime import overtime_needed, relaxed_problem
from allocator.planner.self_operated import UnitOperatorsBusy, may_self_operate, trained_operators

MAX_TIMES_TRIED = 40


class AlternativeFinder:
    """Holds what every search shares: the per-request rules and the plan's agendas."""

    def __init__(
        self,
        builder: CandidateBuilder,
        by_host: dict[str, Agenda],
        by_operator: dict[str, Agenda],
        plan: Sequence[Assignment] = (),
    ) -> None:
        self.builder = builder
        self.problem = builder.problem
        self.by_host = by_host
        self.by_operator = by_operator
        self.plan = plan
        self.loans = kit_loans(self.problem, plan)
        self.stock = working_stock(self.problem)  # kits out of service do not count
        self._relaxed: dict[str, AlternativeFinder] = {}  # per tier: as if the site allowed overtime for it
        self.unit_operators = UnitOperatorsBusy.in_plan(self.problem, plan)  # who runs the self-operated ones

    def _kits_free(self, req: Request) -> bool:
        """The kits are in stock from their pickup (for a mandatory rehearsal using them: before its latest
        possible slot) until their return."""
        pick, back = kit_span(self.problem.policy, req)
        return all(
            peak_held(overlapping(self.loans.get(n.kit, []), pick, back), pick, back) + n.count
            <= self.stock.get(n.kit, 0)
            for n in req.kits
        )

    def _can_travel(self, req: Request, op: str) -> bool:
        """The operator's on-site tasks before and after leave room to travel to and from this venue."""
        agenda = self.by_operator.get(op)
        if not req.on_site or agenda is None:
            return True
        pol = self.problem.policy
        start, end = (
            to_minutes(req.start) - pol.operator_setup_min,
            to_minutes_ceil(req.end) + pol.operator_teardown_min,
        )
        for s, e, other in agenda.items:
            if not other.on_site or other.venue == req.venue:
                continue
            survey = other.ref.startswith("survey ")
            s0 = s if survey else s - pol.operator_setup_min
            e0 = e if survey else e + pol.operator_teardown_min
            need = self.problem.travel_min(req.venue, other.venue)
            if e0 <= start < e0 + need or end <= s0 < end + need:
                return False
        return True

    def _busy_everywhere(self, req: Request, span: tuple[int, int]) -> bool:
        """A quick look at the agendas alone: no host of the size is free, or too few operators are."""
        hosts = self.problem.hosts
        if req.needs_host and not any(
            h.capacity >= req.participants and host_blockers(self.problem, req, i, self.by_host.get(h.id), span) is None
            for i, h in enumerate(hosts)
        ):
            return True
        if req.operator_count:
            free = sum(
                1 for o in self.problem.operators
                if not operator_blockers(self.problem, req, self.by_operator.get(o.id), span)
            )  # fmt: skip
            if free < req.operator_count:
                return True
        return False

    def fit(self, req: Request) -> tuple[str | None, list[str]] | None:
        """The host and operators that could take `req` as it stands, or None."""
        span = minutes_of(req)
        if self._busy_everywhere(req, span) or not self._kits_free(req):
            return None
        cand = self.builder.build(req)
        if not cand.statically_possible:
            return None
        host = None
        if req.needs_host:
            for opt in sorted(cand.hosts, key=lambda o: (o.oversize, o.host)):
                h = self.problem.hosts[opt.host]
                if host_blockers(self.problem, req, opt.host, self.by_host.get(h.id), span) is None:
                    host = h.id
                    break
            if host is None:
                return None
        ops = self.problem.operators
        free = [
            ops[o.operator].id
            for o in cand.operators
            if not operator_blockers(self.problem, req, self.by_operator.get(ops[o.operator].id), span)
            and self._can_travel(req, ops[o.operator].id)
        ]
        if len(free) < cand.operators_needed:
            return None
        return host, sorted(free[: cand.operators_needed])

    def find(self, req: Request, limit: int = 3) -> list[Alternative]:
        out: list[Alternative] = []
        if req.operator_count and self.problem.policy.overtime is not None:
            extra = self._with_overtime(req)
            if extra is not None:
                out.append(extra)
        if req.service is ServiceType.LINK_OPERATOR:
            alone = req.model_copy(update={"service": ServiceType.LINK})
            got = self.fit(alone)
            if got is not None:
                own = self.problem.unit_operators and may_self_operate(self.problem, req)
                kind = "self_operated" if own and self.unit_operators.free_then(req) else "without_operator"
                out.append(self._make(kind, req, req.start, req.end, got, req.participants))
        if req.needs_host and len(out) < limit:
            smaller = self._fewer_participants(req)
            if smaller is not None:
                out.append(smaller)
        times_wanted = max(1, limit - len(out))
        for start in self._nearby_starts(req):
            if times_wanted == 0:
                break
            moved = req.model_copy(update={"start": start, "end": start + (req.end - req.start)})
            got = self.fit(moved)
            if got is not None:
                out.append(self._make("other_time", req, moved.start, moved.end, got, req.participants))
                times_wanted -= 1
        return out[:limit]

    def _with_overtime(self, req: Request) -> Alternative | None:
        """As requested, if the site approved the overtime it needs (docs/calendar.md): offered only where the
        request fits then and not now."""
        if self.fit(req) is not None:
            return None
        finder = self._relaxed.get(req.priority)
        if finder is None:  # one per tier: building the options' calendars again per request costs
            relaxed = relaxed_problem(self.problem, req)
            finder = AlternativeFinder(CandidateBuilder(relaxed), self.by_host, self.by_operator, self.plan)
            self._relaxed[req.priority] = finder
        got = finder.fit(req)
        if got is None:
            return None
        minutes = overtime_needed(finder.builder, req, got[1])
        if not any(minutes.values()):
            return None
        alt = self._make("with_overtime", req, req.start, req.end, got, req.participants)
        needs = ", ".join(f"{op} {m} min" for op, m in sorted(minutes.items()) if m)
        needs_id = ", ".join(f"{op} {m} menit" for op, m in sorted(minutes.items()) if m)
        return alt.model_copy(
            update={
                "text": f"{alt.text}, if overtime is approved ({needs}): beyond the site's overtime rules now",
                "text_id": f"{alt.text_id}, bila lembur disetujui ({needs_id}): di luar aturan lembur kantor saat ini",
            }
        )

    def _fewer_participants(self, req: Request) -> Alternative | None:
        sizes = sorted({h.capacity for h in self.problem.hosts if h.capacity < req.participants}, reverse=True)
        for size in sizes:
            got = self.fit(req.model_copy(update={"participants": size}))
            if got is not None:
                return self._make("fewer_participants", req, req.start, req.end, got, size)
        return None

    def _nearby_starts(self, req: Request) -> list[datetime]:
        pol = self.problem.policy
        zone = ZoneInfo(req.timezone)
        length = req.end - req.start
        first_day = req.start.astimezone(zone).date()
        opening, closing = pol.office_hours
        starts = []
        for offset in range(pol.alternative_days + 1):
            day = first_day + timedelta(days=offset)
            t = datetime.combine(day, opening, zone)
            last = datetime.combine(day, closing, zone) - length
            while t <= last:
                if t != req.start and t > self.problem.now:
                    starts.append(t)
                t += timedelta(minutes=pol.alternative_grain_min)
        starts.sort(key=lambda s: (abs(s - req.start), s))
        return starts[:MAX_TIMES_TRIED]

    def _make(
        self, kind: str, req: Request, start: datetime, end: datetime, got: tuple[str | None, list[str]], people: int
    ) -> Alternative:
        host, ops = got
        span_en, span_id = when(start, end, req.timezone), when(start, end, req.timezone, "id")
        on_en = f" on {host}" if host else ""
        on_id = f" di {host}" if host else ""
        crew_en = f" with {', '.join(ops)}" if ops else ""
        crew_id = f" bersama {', '.join(ops)}" if ops else ""
        if kind == "with_overtime":
            text = f"as requested, {span_en}{on_en}{crew_en}"
            text_id = f"sesuai waktu yang diminta, {span_id}{on_id}{crew_id}"
        elif kind == "self_operated":
            names = ", ".join(u.name for u in trained_operators(self.problem.unit_operators, req))
            text = f"as requested, {span_en}{on_en}, self-operated: run by the unit's own trained operator ({names})"
            text_id = (f"sesuai waktu yang diminta, {span_id}{on_id}, dijalankan sendiri oleh operator terlatih unit "
                       f"({names})")  # fmt: skip
        elif kind == "without_operator":
            text = f"as requested, {span_en}{on_en}, but without an operator: the unit runs the meeting itself"
            text_id = f"sesuai waktu yang diminta, {span_id}{on_id}, tanpa operator: unit menjalankan rapat sendiri"
        elif kind == "fewer_participants":
            text = f"as requested, {span_en}{on_en}{crew_en}, for at most {people} participants"
            text_id = f"sesuai waktu yang diminta, {span_id}{on_id}{crew_id}, untuk paling banyak {people} peserta"
        else:
            text = f"at another time: {span_en}{on_en}{crew_en}"
            text_id = f"pada waktu lain: {span_id}{on_id}{crew_id}"
        return Alternative(
            kind=kind,
            start=start,
            end=end,
            host=host,
            operators=ops,
            participants=people,
            text=text,
            text_id=text_id,
        )
