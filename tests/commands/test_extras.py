"""A command that needs an extra names it instead of raising an ImportError traceback (issue 21, item 7)."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from allocator.commands.main import app


@pytest.mark.parametrize("args", [["serve"], ["token", "issue", "--role", "admin", "--name", "a"], ["pic-link", "X"]])
def test_web_commands_without_the_web_extra_name_it(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    monkeypatch.setitem(sys.modules, "fastapi", None)  # import fastapi now raises ImportError, as when not installed
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "pip install 'vicon-allocator[web]'" in result.output
    assert "Traceback" not in result.output
