"""Tables that fit the terminal they are printed on, never cutting a date, a time or a reference.

Each column is either *kept whole* (dates, times, refs, ids: never wrapped, never cut) or *wrapped* (titles,
units, reasons: folded over lines). When even that does not fit, columns are dropped in the order the caller
states (its lowest-value column first); the wrapped columns share what is left. Widths are computed here and
given to rich exactly, so rich never has to squeeze a column itself. When the whole columns alone are wider than
the terminal (a phone-sized window, under 60 columns or so), the rows are stacked instead: one block per row,
each field on its own line as `heading: value`, every column shown.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

WRAP_MIN = 10  # a wrapped column narrower than this is unreadable: drop a column instead


@dataclass(frozen=True)
class Col:
    """A column: `whole` never wraps or cuts; `drop` is its place in the drop order (1 goes first, 0 never)."""

    header: str
    whole: bool = False
    drop: int = 0
    justify: str = "left"


def terminal(*, stderr: bool = False) -> Console:
    """A console as wide as the terminal (or `COLUMNS`; 80 when neither says), never a fixed width."""
    columns = os.environ.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() and int(columns) > 0 else None
    return Console(stderr=stderr, width=width, highlight=False)


def _longest(values: Sequence[str]) -> int:
    return max((max((cell_len(line) for line in v.splitlines() or [""]), default=0) for v in values), default=0)


def fit_table(
    title: str | None,
    cols: Sequence[Col],
    rows: Sequence[Sequence[str]],
    width: int,
    *,
    ends: Sequence[bool] = (),
    lines: bool = False,
) -> RenderableType:
    """A table of `rows` no wider than `width`: whole columns at their full width, wrapped ones sharing the rest,
    columns dropped in their stated order while it does not fit. `ends[i]`: a rule under row i (a resource's
    last row); `lines`: a rule under every row."""
    keep = list(range(len(cols)))
    content = [[str(r[i]) for r in rows] for i in range(len(cols))]
    need = [
        max(cell_len(c.header), _longest(content[i])) if c.whole else max(WRAP_MIN, cell_len(c.header) // 2)
        for i, c in enumerate(cols)
    ]
    need = [min(n, max(_longest(content[i]), cell_len(cols[i].header))) for i, n in enumerate(need)]

    def total(indices: list[int]) -> int:
        return 1 + sum(need[i] + 3 for i in indices)  # the left edge, then padding and a rule per column

    for i in sorted((i for i, c in enumerate(cols) if c.drop), key=lambda i: cols[i].drop):
        if total(keep) <= width:
            break
        keep.remove(i)
    if total(keep) > width:
        return stacked(title, cols, rows, width)
    widths = {i: need[i] for i in keep}
    wrapped = [i for i in keep if not cols[i].whole]
    spare = width - total(keep)
    # the wrapped columns grow towards their longest line, in turn, while there is room
    while spare > 0 and wrapped:
        grew = False
        for i in wrapped:
            if spare > 0 and widths[i] < _longest(content[i] + [cols[i].header]):
                widths[i] += 1
                spare -= 1
                grew = True
        if not grew:
            break
    table = Table(title=title, title_justify="left", box=box.SQUARE, expand=False, show_lines=lines)
    for i in keep:
        c = cols[i]
        table.add_column(
            c.header,
            width=widths[i],
            no_wrap=c.whole,
            overflow="fold",  # a whole column is as wide as its longest value: nothing folds there
            justify=c.justify,  # type: ignore[arg-type]
        )
    for n, r in enumerate(rows):
        table.add_row(*(str(r[i]) for i in keep), end_section=n < len(ends) and ends[n])
    return table


def stacked(title: str | None, cols: Sequence[Col], rows: Sequence[Sequence[str]], width: int) -> Group:
    """The rows as blocks for a narrow terminal: the first column heads each block, then `heading: value` per
    other column. A whole value moves under its heading when the line would be too long, never cut; a wrapped
    value folds at words. Empty values are left out."""
    out: list[Text] = [Text(title)] if title else []
    rule = Text("─" * max(1, width))
    head = ""
    for r in rows:
        head = str(r[0]).strip() or head  # a table's continuation row (its resource's next entry) keeps its head
        out.append(rule)
        out.append(Text(f"{cols[0].header}: {head}", style="bold", overflow="fold"))
        for c, value in zip(cols[1:], r[1:], strict=False):
            text = str(value).strip()
            if not text:
                continue
            label = f"  {c.header}: "
            for n, part in enumerate(text.splitlines()):
                lead = label if n == 0 else " " * len(label)
                if c.whole:
                    if cell_len(lead) + cell_len(part) <= width:
                        out.append(Text(lead + part, overflow="fold"))
                    else:  # under its heading, whole (folded only when wider than the terminal itself)
                        out.append(Text(lead.rstrip()))
                        indent = "    " if cell_len(part) + 4 <= width else ""
                        out.append(Text(indent + part, overflow="fold"))
                    continue
                room = max(WRAP_MIN, width - cell_len(lead))
                for k, piece in enumerate(textwrap.wrap(part, room, break_long_words=False, break_on_hyphens=False)):
                    out.append(Text((lead if k == 0 else " " * len(lead)) + piece, overflow="fold"))
    if rows:
        out.append(rule)
    return Group(*out)
