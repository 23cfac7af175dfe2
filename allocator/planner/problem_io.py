"""Problems from plain data: every offending field named, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
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


def error_details(exc: ValidationError) -> list[dict[str, Any]]:
    """pydantic's errors as plain data (loc, type, msg, ctx as text): what a shell words in its language."""
    return [
        {"loc": list(err["loc"]), "type": err["type"], "msg": str(err["msg"]),
         "ctx": {k: str(v) for k, v in (err.get("ctx") or {}).items()}}
        for err in exc.errors(include_url=False, include_input=False)
    ]  # fmt: skip


def detail_lines(details: list[dict[str, Any]], word: Callable[[dict[str, Any]], str] | None = None) -> list[str]:
    """One line per problem, each starting with the field's path, e.g. `requests[3].participants: ...`; `word`
    says what is wrong (default: pydantic's English message)."""
    out = []
    for err in details:
        where = _location(tuple(err["loc"]))
        msg = word(err) if word is not None else str(err["msg"]).removeprefix("Value error, ")
        if where == "(problem)" and "; " in msg:
            out.extend(msg.split("; "))
        else:
            out.append(f"{where}: {msg}")
    return out


def validation_messages(exc: ValidationError) -> list[str]:
    """One line per problem (English), each starting with the field's path."""
    return detail_lines(error_details(exc))


def parse_problem(data: Any) -> Problem:
    try:
        return Problem.model_validate(data)
    except ValidationError as exc:
        details = error_details(exc)
        raise InvalidProblem(detail_lines(details), details) from None
