"""Split a problem into parts that cannot influence each other, so each is solved (and proved) on its own.

Two requests interact when they could use the same host or operator at overlapping times, or, while the
"fewest operators called in per day" preference counts, the same operator on the same day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from allocator.candidates import Candidates


class _DisjointSets:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _union_overlapping(sets: _DisjointSets, spans: Iterable[tuple[int, int, int]]) -> None:
    """Join every chain of overlapping half-open spans (start, end, request)."""
    reach_end = None
    anchor = -1
    for start, end, i in sorted(spans):
        if reach_end is not None and start < reach_end:
            sets.union(anchor, i)
            reach_end = max(reach_end, end)
        else:
            anchor, reach_end = i, end


def split_components(
    cands: list[Candidates], couple_operator_days: bool, links: Iterable[tuple[int, int]] = ()
) -> list[list[int]]:
    """Groups of candidate positions, each sorted, groups ordered by their first member. `links`: pairs that
    interact beyond sharing a resource (one request's allowed starts, kits, surveys, travel)."""
    sets = _DisjointSets(len(cands))
    for a, b in links:
        sets.union(a, b)
    per_host: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    per_operator: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    per_operator_day: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, c in enumerate(cands):
        for h in c.hosts:
            per_host[h.host].append((h.start, h.end, i))
        for o in c.operators:
            per_operator[o.operator].append((o.start, o.end, i))
            per_operator_day[(o.operator, o.day)].append(i)
    # Interchangeable resources see the very same spans: each distinct list is joined once.
    for spans in {tuple(s): None for s in (*per_host.values(), *per_operator.values())}:
        _union_overlapping(sets, spans)
    if couple_operator_days:
        for members in per_operator_day.values():
            for i in members[1:]:
                sets.union(members[0], i)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(cands)):
        groups[sets.find(i)].append(i)
    return sorted(groups.values(), key=lambda g: g[0])
