"""Series: one host for every occurrence, all or nothing when asked, each checked by the validator."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from pydantic import ValidationError

from allocator.planner.domain import Assignment, Plan, Problem, SeriesPattern
from allocator.planner.solver import SolveOptions, first_come_first_served, solve
from allocator.planner.validate import validate_plan
from tests.planner.factories import host, operator, policy, problem, request

FAST = SolveOptions(time_limit_s=10, workers=1)


def training(ref: str = "LAT", count: int = 3, policy_: str = "all_or_nothing", **kw: object) -> object:
    """A three-day training, 09:00–12:00 WIB from Monday 2027-03-01."""
    series = {"repeat": "daily", "count": count, "policy": policy_} | dict(kw.pop("series", {}))  # type: ignore[arg-type]
    return request(ref, "09:00", "12:00", series=series, **kw)


def served(plan: Plan) -> dict[str, str | None]:
    return {a.request: a.host for a in plan.assignments}


# --- reading a series ---------------------------------------------------------------------------------------------


def test_a_series_is_read_as_its_occurrences_at_the_same_local_time() -> None:
    p = problem(hosts=[host("H1")], requests=[training()])
    assert [r.ref for r in p.requests] == ["LAT:1", "LAT:2", "LAT:3"]
    assert [r.start.astimezone().isoformat()[:10] for r in p.requests] == ["2027-03-01", "2027-03-02", "2027-03-03"]
    assert {r.start.hour for r in p.requests} == {2}  # 09:00 WIB in UTC
    assert all(r.occurrence_of == "LAT" for r in p.requests)


def test_weekly_on_two_days_until_a_date() -> None:
    pattern = SeriesPattern(repeat="weekly", weekdays=[0, 3], until=date(2027, 3, 15))
    assert pattern.local_dates(date(2027, 3, 1)) == [date(2027, 3, d) for d in (1, 4, 8, 11, 15)]
    every_other = SeriesPattern(repeat="weekly", every=2, count=3)
    assert every_other.local_dates(date(2027, 3, 1)) == [date(2027, 3, 1), date(2027, 3, 15), date(2027, 3, 29)]


def test_monthly_on_the_same_day_or_the_same_weekday_of_a_week() -> None:
    """Issue 18: a monthly series, on the first occurrence's day of the month or (month_week) e.g. every first
    Monday or every last Friday, every `every` months."""
    assert SeriesPattern(repeat="monthly", count=3).local_dates(date(2027, 1, 15)) == [
        date(2027, 1, 15), date(2027, 2, 15), date(2027, 3, 15)]  # fmt: skip
    first_monday = SeriesPattern(repeat="monthly", month_week=1, until=date(2027, 5, 31))
    assert first_monday.local_dates(date(2027, 1, 4)) == [date(2027, 1, 4), date(2027, 2, 1), date(2027, 3, 1),
                                                          date(2027, 4, 5), date(2027, 5, 3)]  # fmt: skip
    last_friday = SeriesPattern(repeat="monthly", month_week=-1, every=2, count=3)
    assert last_friday.local_dates(date(2027, 1, 29)) == [date(2027, 1, 29), date(2027, 3, 26), date(2027, 5, 28)]
    over_new_year = SeriesPattern(repeat="monthly", every=3, count=3).local_dates(date(2027, 11, 10))
    assert over_new_year == [date(2027, 11, 10), date(2028, 2, 10), date(2028, 5, 10)]


def test_a_monthly_series_is_planned_on_one_host() -> None:
    monthly = request("BUL", "09:00", "11:00", series={"repeat": "monthly", "month_week": 1, "count": 3})
    p = problem(hosts=[host("H1"), host("H2")], requests=[monthly])
    assert [r.start.date() for r in p.requests] == [date(2027, 3, 1), date(2027, 4, 5), date(2027, 5, 3)]
    plan = solve(p, FAST)
    assert len(set(served(plan).values())) == 1 and len(plan.assignments) == 3
    assert validate_plan(p, plan) == []


def test_a_monthly_series_on_a_day_not_in_every_month_is_refused_with_its_field() -> None:
    with pytest.raises(ValidationError, match=r"series\.repeat: a monthly series on a day of the month starts on day"):
        request("S", "09:00", "10:00", day="2027-03-31", series={"repeat": "monthly", "count": 2})
    last = request("S", "09:00", "10:00", day="2027-03-31", series={"repeat": "monthly", "month_week": -1, "count": 2})
    assert last.series is not None and last.series.month_week == -1  # the last Wednesday instead


def test_reading_a_problem_twice_gives_the_same_occurrences() -> None:
    p = problem(hosts=[host("H1")], requests=[training()])
    again = Problem.model_validate(p.model_dump(mode="json"))
    assert again.requests == p.requests


def test_one_occurrence_cancelled_or_moved() -> None:
    changes = [
        {"occurrence": 2, "cancelled": True},
        {"occurrence": 3, "start": "2027-03-03T13:00:00+07:00", "end": "2027-03-03T15:00:00+07:00"},
    ]
    p = problem(hosts=[host("H1")], requests=[training(series={"changes": changes})])
    by_ref = {r.ref: r for r in p.requests}
    assert by_ref["LAT:2"].status.value == "cancelled"
    assert by_ref["LAT:3"].start == datetime.fromisoformat("2027-03-03T13:00:00+07:00")
    plan = solve(p, FAST)
    assert set(served(plan)) == {"LAT:1", "LAT:3"}


@pytest.mark.parametrize(
    ("series", "field"),
    [
        ({"repeat": "daily"}, "count or until"),
        ({"repeat": "daily", "count": 51}, "count"),
        ({"repeat": "weekly", "weekdays": [2], "count": 2}, "series.weekdays"),
        ({"repeat": "daily", "until": "2027-06-30"}, "series.until"),
        ({"repeat": "weekly", "every": 13, "count": 2}, "every"),
        ({"repeat": "daily", "count": 2, "changes": [{"occurrence": 3, "cancelled": True}]}, "series.changes"),
        ({"repeat": "monthly", "every": 4, "count": 2}, "every"),
        ({"repeat": "weekly", "month_week": 1, "count": 2}, "month_week: only a monthly series"),
        ({"repeat": "monthly", "month_week": 2, "count": 2}, "series.month_week: the first occurrence"),
        ({"repeat": "monthly", "month_week": -1, "count": 2}, "series.month_week: the first occurrence"),
        ({"repeat": "monthly", "month_week": 5, "count": 2}, "month_week"),
    ],
)
def test_bad_series_named(series: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError, match=field.replace(".", r"\.")):
        request("S", "09:00", "10:00", series=series)


def test_a_series_has_fixed_times() -> None:
    with pytest.raises(ValidationError, match="fixed times"):
        request("S", "09:00", "10:00", series={"count": 2}, window_start="2027-03-01T08:00",
                window_end="2027-03-01T12:00")  # fmt: skip


# --- one host -----------------------------------------------------------------------------------------------------


def test_one_host_for_every_occurrence_even_when_each_day_has_another_free() -> None:
    """H1 is busy on day 2, H2 on day 3: no single host is free all three days, so the series is not served,
    though each occurrence alone would have a host."""
    blockers = [
        request("B2", "08:00", "13:00", day="2027-03-02", priority="high"),
        request("B3", "08:00", "13:00", day="2027-03-03", priority="high"),
    ]
    pins = [{"request": "B2", "host": "H1"}, {"request": "B3", "host": "H2"}]
    p = problem(hosts=[host("H1"), host("H2")], requests=[training(), *blockers], pins=pins)
    plan = solve(p, FAST)
    assert set(served(plan)) == {"B2", "B3"}
    reasons = {u.request: u for u in plan.unserved}
    assert {reasons[f"LAT:{k}"].code for k in (1, 2, 3)} == {"series_incomplete"}
    assert "one host" in reasons["LAT:1"].reason


def test_one_host_feasible_when_a_host_is_free_all_days() -> None:
    p = problem(hosts=[host("H1"), host("H2"), host("H3")],
                requests=[training(), request("B2", "08:00", "13:00", day="2027-03-02")],
                pins=[{"request": "B2", "host": "H1"}])  # fmt: skip
    plan = solve(p, FAST)
    hosts = {served(plan)[f"LAT:{k}"] for k in (1, 2, 3)}
    assert len(hosts) == 1 and hosts != {"H1"}


def test_identical_hosts_are_not_pooled_apart_for_a_series() -> None:
    """Interchangeable hosts are merged into pools; a series must still get one concrete host."""
    others = [request(f"X{k}", "09:00", "12:00", day=f"2027-03-0{1 + k % 3}") for k in range(4)]
    p = problem(hosts=[host("H1"), host("H2"), host("H3")], requests=[training(), *others])
    plan = solve(p, FAST)
    assert len({served(plan)[f"LAT:{k}"] for k in (1, 2, 3)}) == 1
    assert validate_plan(p, plan) == []


# --- all or nothing, or partial -----------------------------------------------------------------------------------


def _day_two_blocked(policy_: str) -> Problem:
    blocker = request("GUB", "08:00", "13:00", day="2027-03-02", priority="head_of_region")
    return problem(hosts=[host("H1")], requests=[training(policy_=policy_), blocker])


def test_all_or_nothing_drops_the_whole_series_and_names_the_occurrence_in_the_way() -> None:
    plan = solve(_day_two_blocked("all_or_nothing"), FAST)
    assert set(served(plan)) == {"GUB"}
    reasons = {u.request: u for u in plan.unserved}
    assert reasons["LAT:2"].code == "hosts_busy"
    assert "every occurrence or none" in reasons["LAT:2"].reason
    assert reasons["LAT:1"].code == reasons["LAT:3"].code == "series_incomplete"
    assert "LAT:2" in reasons["LAT:1"].reason and "LAT:2" in reasons["LAT:1"].reason_id


def test_partial_serves_what_can_be_served_and_explains_the_rest() -> None:
    plan = solve(_day_two_blocked("partial"), FAST)
    assert set(served(plan)) == {"GUB", "LAT:1", "LAT:3"}
    assert {u.request: u.code for u in plan.unserved} == {"LAT:2": "hosts_busy"}


def test_first_come_first_served_keeps_the_series_rules() -> None:
    """The letter-order floor (a greedy pass) leaves a broken all-or-nothing series out entirely."""
    p = _day_two_blocked("all_or_nothing")
    plan = first_come_first_served(p)
    assert set(served(plan)) == {"GUB"}
    assert validate_plan(p, plan) == []


def test_a_series_under_way_is_no_longer_all_or_nothing() -> None:
    """Once its first occurrence is inside the freeze horizon as published, the rest is served as far as it can."""
    p = _day_two_blocked("all_or_nothing")
    p = p.model_copy(
        update={
            "now": datetime.fromisoformat("2027-03-01T07:00:00+07:00"),
            "policy": policy(freeze_horizon_min=3 * 60),
            "previous": [Assignment(request="LAT:1", host="H1")],
        }
    )
    plan = solve(p, FAST)
    assert {"LAT:1", "LAT:3"} <= set(served(plan))


def test_weight_counts_each_occurrence() -> None:
    """Three normal occurrences (3 × 10) outweigh one normal meeting clashing with one of them: the series is
    served whole and the single meeting is not."""
    clash = request("ONE", "10:00", "11:00", day="2027-03-02")
    plan = solve(problem(hosts=[host("H1")], requests=[training(), clash]), FAST)
    assert set(served(plan)) == {"LAT:1", "LAT:2", "LAT:3"}


def test_operators_and_kits_per_occurrence() -> None:
    changes = [{"occurrence": 2, "operators_needed": 2}]
    p = problem(
        hosts=[host("H1")],
        operators=[operator("O1"), operator("O2")],
        requests=[training(service="link_operator", series={"changes": changes})],
    )
    plan = solve(p, FAST)
    crews = {a.request: a.operators for a in plan.assignments}
    assert len(crews["LAT:1"]) == 1 and crews["LAT:2"] == ["O1", "O2"] and len(crews["LAT:3"]) == 1


def test_a_re_plan_with_a_newcomer_keeps_the_series_on_its_host() -> None:
    p = problem(hosts=[host("H1"), host("H2")], requests=[training()])
    first = solve(p, FAST)
    newcomer = request("NEW", "09:00", "12:00", day="2027-03-02")
    again = p.model_copy(update={"requests": [*p.requests, newcomer], "previous": first.assignments,
                                 "previous_records": first.records})  # fmt: skip
    plan = solve(again, FAST)
    assert {served(plan)[f"LAT:{k}"] for k in (1, 2, 3)} == {served(first)["LAT:1"]}
    assert "NEW" in served(plan)


# --- the validator ------------------------------------------------------------------------------------------------


def test_validator_rejects_two_hosts_in_one_series() -> None:
    p = problem(hosts=[host("H1"), host("H2")], requests=[training()])
    plan = Plan(assignments=[Assignment(request="LAT:1", host="H1"), Assignment(request="LAT:2", host="H2"),
                             Assignment(request="LAT:3", host="H1")])  # fmt: skip
    assert any("different hosts" in v for v in validate_plan(p, plan))


def test_validator_rejects_a_partly_served_all_or_nothing_series() -> None:
    p = _day_two_blocked("all_or_nothing")
    plan = Plan(assignments=[Assignment(request="LAT:1", host="H1"), Assignment(request="GUB", host="H1"),
                             Assignment(request="LAT:3", host="H1")])  # fmt: skip
    problems = validate_plan(p, plan)
    assert any("only 2 of 3" in v for v in problems)
    partial = _day_two_blocked("partial")
    assert not any("series" in v for v in validate_plan(partial, plan))


def test_a_problem_file_keeps_the_series_for_storing() -> None:
    p = problem(hosts=[host("H1")], requests=[training(), request("ONE", "13:00", "14:00")])
    assert [r.ref for r in p.requests] == ["LAT:1", "LAT:2", "LAT:3", "ONE"]
    assert sorted(r.ref for r in p.stored_requests()) == ["LAT", "ONE"]
    with pytest.raises(ValidationError, match="duplicate id 'LAT:2'"):
        problem(hosts=[host("H1")], requests=[training(), request("LAT:2", "13:00", "14:00")])


def test_a_carried_reason_is_not_noted_twice() -> None:
    from allocator.planner.series import explain_partners

    p = _day_two_blocked("all_or_nothing")
    plan = solve(p, FAST)
    again = explain_partners(p, plan.unserved, plan.assignments)
    assert [u.reason for u in again] == [u.reason for u in plan.unserved]
