"""Split a problem into parts that cannot influence each other, so each is solved (and proved) on its own.

Two requests interact when they could use the same host or operator at overlapping times, or, while the
"fewest operators called in per day" preference counts, the same operator on the same day.

Vectorised, with each position's options kept as an array between re-plans: a re-plan splits the whole
horizon (thousands of positions, tens of thousands of options) twice, and doing it option by option in Python
cost more than solving the part that changed.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from allocator.planner.candidates import Candidates, kept_by_identity

Ints = npt.NDArray[np.int64]
SpanMemo = dict[int, tuple[Candidates, Ints]]
OPERATORS = 1 << 20  # resource ids from here on are operators (below: hosts)
_COLUMNS = 4  # resource, start, end, day (hosts: -1)


def _spans(c: Candidates) -> Ints:
    rows = [(h.host, h.start, h.end, -1) for h in c.hosts]
    rows += [(OPERATORS + o.operator, o.start, o.end, o.day) for o in c.operators]
    return np.array(rows, dtype=np.int64).reshape(-1, _COLUMNS)


def _spans_of(cands: list[Candidates], memo: SpanMemo | None) -> tuple[Ints, Ints]:
    """Every option of every position as rows, and the position each row belongs to."""
    per = [kept_by_identity(memo, c, _spans) for c in cands]
    counts = np.array([len(p) for p in per], dtype=np.int64)
    rows = np.concatenate(per) if per else np.empty((0, _COLUMNS), np.int64)
    return rows, np.repeat(np.arange(len(cands), dtype=np.int64), counts)


def _overlap_edges(rows: Ints, owner: Ints) -> tuple[Ints, Ints]:
    """Pairs joining every chain of overlapping half-open spans on the same resource.

    Sorted by resource then start, a span continues the chain before it when it starts before the furthest end
    seen so far on its resource; joining it to its predecessor joins the whole chain."""
    if len(rows) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    order = np.lexsort((rows[:, 1], rows[:, 0]))
    resource, start, end, who = rows[order, 0], rows[order, 1], rows[order, 2], owner[order]
    origin, width = int(start.min()), int(end.max() - start.min()) + 1
    # Each resource shifted into its own band, so one running maximum serves them all.
    band = np.concatenate([[0], np.cumsum(resource[1:] != resource[:-1])]) * width - origin
    reach = np.maximum.accumulate(end + band)
    joins = start[1:] + band[1:] < reach[:-1]
    return who[:-1][joins], who[1:][joins]


def _day_edges(rows: Ints, owner: Ints) -> tuple[Ints, Ints]:
    """Pairs joining the positions that could call in the same operator on the same day."""
    ops = rows[:, 0] >= OPERATORS
    rows, owner = rows[ops], owner[ops]
    order = np.lexsort((owner, rows[:, 3], rows[:, 0]))
    key, who = rows[order][:, [0, 3]], owner[order]
    same = (key[1:] == key[:-1]).all(axis=1)
    return who[:-1][same], who[1:][same]


def _components(n: int, a: Ints, b: Ints) -> Ints:
    """Each node's component, named by its smallest member: hook roots onto smaller roots, then jump pointers."""
    label = np.arange(n, dtype=np.int64)
    keep = a != b
    a, b = a[keep], b[keep]
    while len(a):
        la, lb = label[a], label[b]
        apart = la != lb
        if not apart.any():
            break
        la, lb = la[apart], lb[apart]
        low = np.minimum(la, lb)
        np.minimum.at(label, la, low)
        np.minimum.at(label, lb, low)
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
    return label


def split_components(
    cands: list[Candidates],
    couple_operator_days: bool,
    links: Iterable[tuple[int, int]] = (),
    memo: SpanMemo | None = None,
) -> list[list[int]]:
    """Groups of candidate positions, each sorted, groups ordered by their first member. `links`: pairs that
    interact beyond sharing a resource (one request's allowed starts, kits, surveys, travel). `memo`: each
    position's option rows by identity, kept by a long-lived caller between re-plans."""
    if not cands:
        return []
    rows, owner = _spans_of(cands, memo)
    pairs = [_overlap_edges(rows, owner)]
    if couple_operator_days:
        pairs.append(_day_edges(rows, owner))
    linked = np.array(list(links), dtype=np.int64).reshape(-1, 2)
    pairs.append((linked[:, 0], linked[:, 1]))
    label = _components(len(cands), np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs]))
    order = np.argsort(label, kind="stable")
    bounds = np.flatnonzero(np.diff(label[order])) + 1
    return [group.tolist() for group in np.split(order, bounds)]


def overlap_chains(spans: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Links that join every run of overlapping spans `(start, end, position)` into one group: each span linked to
    the first of the run it overlaps (sorts `spans`)."""
    links: list[tuple[int, int]] = []
    spans.sort()
    reach, anchor = None, -1
    for s, e, pos in spans:
        if reach is not None and s < reach:
            links.append((anchor, pos))
            reach = max(reach, e)
        else:
            anchor, reach = pos, e
    return links


def maximal_cliques(spans: Iterable[tuple[int, int, int]]) -> list[list[int]]:
    """Maximal sets of pairwise-overlapping half-open spans (start, end, key), by a sweep."""
    events = []
    for s, e, k in spans:
        events.append((s, 1, k))
        events.append((e, 0, k))
    events.sort(key=lambda ev: (ev[0], ev[1]))  # at equal times ends first: [a, b) and [b, c) do not meet
    active: dict[int, None] = {}
    cliques: list[list[int]] = []
    grew = False
    for _t, is_start, key in events:
        if is_start:
            active[key] = None
            grew = True
        else:
            if grew:
                cliques.append(list(active))
                grew = False
            del active[key]
    return cliques
