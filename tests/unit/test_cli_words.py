"""Every word the command line prints about itself is Vietnamese: the help of every command,
the usage errors, and typer's own additions (completion options, "did you mean")."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_cli_shape import commands

# English a person would otherwise read: click's and typer's own words.
ENGLISH = re.compile(r"\b(Usage|Options|Arguments|Commands|Show this message|Install completion"
                     r"|Show completion|Did you mean|Missing (argument|option)|No such"
                     r"|Try '|Error:|\[default|\[required\])")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(sys.executable).parent / "nhansu"), *args],
                          capture_output=True, text=True, timeout=60, check=False)


def test_the_help_of_every_command_is_vietnamese() -> None:
    from typer.testing import CliRunner

    from cli import vietnamese
    from cli.app import app

    vietnamese.install()
    runner = CliRunner()
    paths = ["", *sorted(commands())]
    for path in paths:
        result = runner.invoke(app, [*path.split(), "--help"], prog_name="nhansu")
        assert result.exit_code == 0, (path, result.output)
        assert "Cách dùng: nhansu" in result.output, path
        assert not ENGLISH.search(result.output), (path, ENGLISH.search(result.output))
    assert len(paths) > 35


@pytest.mark.parametrize(("args", "expected"), [
    (["operations"], "Không có lệnh 'operations'. Có phải ý bạn là 'projections'?"),
    (["plan", "shwo"], "Có phải ý bạn là 'show'?"),
    (["plan", "show"], "Thiếu tham số"),
    (["plan", "show", "p", "--khong-co"], "Không có tùy chọn"),
])
def test_usage_errors_are_vietnamese_and_exit_2(args: list[str], expected: str) -> None:
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "Cách dùng: nhansu" in result.stderr
    assert not ENGLISH.search(result.stderr), result.stderr
