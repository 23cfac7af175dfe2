"""Splitting into independent parts: exactly the groups a pairwise reading of the rule gives."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.planner.candidates import Candidates, HostOption, OperatorOption
from allocator.planner.components import split_components
from tests.planner.factories import request

REQ = request("R", "09:00", "10:00")

span = st.tuples(st.integers(0, 40), st.integers(1, 12)).map(lambda t: (t[0], t[0] + t[1]))
host_opts = st.lists(st.tuples(st.integers(0, 3), span), max_size=3)
op_opts = st.lists(st.tuples(st.integers(0, 3), span, st.integers(0, 2)), max_size=3)
position = st.tuples(host_opts, op_opts)


def _cands(spec: list[tuple[list, list]]) -> list[Candidates]:  # type: ignore[type-arg]
    return [
        Candidates(
            index=i,
            request=REQ,
            start=0,
            end=1,
            weight=1,
            hosts=[HostOption(host=h, start=s, end=e, oversize=0) for h, (s, e) in hosts],
            operators=[OperatorOption(operator=o, start=s, end=e, day=d) for o, (s, e), d in ops],
        )
        for i, (hosts, ops) in enumerate(spec)
    ]


def _reference(cands: list[Candidates], couple: bool, links: list[tuple[int, int]]) -> list[list[int]]:
    """Pairwise: two positions interact when some option of each uses the same resource at overlapping times
    (or, coupled, the same operator on the same day); groups are what interaction reaches."""

    def touch(a: Candidates, b: Candidates) -> bool:
        for x in a.hosts:
            if any(x.host == y.host and x.start < y.end and y.start < x.end for y in b.hosts):
                return True
        for p in a.operators:
            for q in b.operators:
                if p.operator == q.operator and ((p.start < q.end and q.start < p.end) or (couple and p.day == q.day)):
                    return True
        return False

    n = len(cands)
    near = {i: {j for j in range(n) if j != i and touch(cands[i], cands[j])} for i in range(n)}
    for a, b in links:
        near[a].add(b)
        near[b].add(a)
    seen: set[int] = set()
    groups = []
    for i in range(n):
        if i in seen:
            continue
        todo, group = [i], set()
        while todo:
            k = todo.pop()
            if k not in group:
                group.add(k)
                todo += near[k]
        seen |= group
        groups.append(sorted(group))
    return groups


@settings(max_examples=300, deadline=None)
@given(st.lists(position, max_size=14), st.booleans(), st.data())
def test_split_matches_the_pairwise_rule(spec: list, couple: bool, data: st.DataObject) -> None:  # type: ignore[type-arg]
    cands = _cands(spec)
    n = len(cands)
    links = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3)) if n else []
    assert split_components(cands, couple, links) == _reference(cands, couple, links)


def test_kept_option_rows_follow_the_position_not_its_address() -> None:
    """A memo from an earlier split is used only for the very same position objects."""
    a, b = _cands([([(0, (0, 10))], []), ([(0, (5, 15))], [])])
    memo: dict = {}  # type: ignore[type-arg]
    assert split_components([a, b], False, memo=memo) == [[0, 1]]
    assert len(memo) == 2
    moved = replace(b, hosts=[HostOption(host=0, start=20, end=30, oversize=0)])
    memo[id(moved)] = memo.pop(id(b))  # as if the new object had been given the old one's address
    assert split_components([a, moved], False, memo=memo) == [[0], [1]]
