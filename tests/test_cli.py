"""The CLI contract other stages and the README rely on."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pipeline import cli

REPO_ROOT = Path(__file__).resolve().parents[1]
REQUIRED = {"crawl", "extract", "classify", "analyse", "run", "import", "serve", "export", "demo"}


def all_commands(group: click.Group = cli, prefix: str = "") -> dict[str, click.Command]:
    """Return every command and sub-command, by its full name."""
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        found[full] = command
        if isinstance(command, click.Group):
            found.update(all_commands(command, prefix=f"{full} "))
    return found


def test_every_required_command_exists():
    assert REQUIRED <= set(cli.commands)


@pytest.mark.parametrize("name", sorted(all_commands()))
def test_every_command_has_help_with_an_example(name):
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output, f"`pdt {name} --help` gives no example"


def test_readme_documents_every_command():
    readme = (REPO_ROOT / "README.md").read_text()
    missing = [name for name in all_commands() if f"pdt {name}" not in readme]
    assert not missing, f"README.md does not show: {missing}"


def test_readme_documents_every_option():
    readme = (REPO_ROOT / "README.md").read_text()
    missing = []
    for name, command in all_commands().items():
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt not in ("--help",) and opt not in readme:
                    missing.append(f"pdt {name} {opt}")
    assert not missing, f"README.md does not mention: {missing}"


def test_data_dir_option_and_env(tmp_path, monkeypatch):
    target = tmp_path / "store"
    result = CliRunner().invoke(cli, ["--data-dir", str(target), "analyse", "--help"])
    assert result.exit_code == 0
    monkeypatch.setenv("PDT_DATA_DIR", str(target))
    ctx = cli.make_context("pdt", ["analyse", "--help"], resilient_parsing=True)
    assert ctx.params["data_dir"] == target


def test_missing_import_file_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "import", "nope.csv"])
    assert result.exit_code != 0
    assert "does not exist" in result.output
