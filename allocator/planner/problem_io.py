"""Problems from plain data: every offending field named, never a traceback."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from allocator.planner.domain import Problem
from allocator.planner.errors import InvalidProblem


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith(("function-", "constrained-")) or part in ("", "str", "int", "date", "time"):
            continue
        else:
            out += f".{part}" if out else part
    return out or "(problem)"


def validation_messages(exc: ValidationError) -> list[str]:
    """One line per problem, each starting with the field's path, e.g. `requests[3].participants: ...`."""
    out = []
    for err in exc.errors(include_url=False):
        where = _location(tuple(err["loc"]))
        msg = str(err["msg"]).removeprefix("Value error, ")
        if where == "(problem)" and "; " in msg:
            out.extend(msg.split("; "))
        else:
            out.append(f"{where}: {msg}")
    return out


def parse_problem(data: Any) -> Problem:
    try:
        return Problem.model_validate(data)
    except ValidationError as exc:
        raise InvalidProblem(validation_messages(exc)) from None
