"""The README documents every command and option (so a new one cannot ship undocumented)."""

from __future__ import annotations

from pathlib import Path

import click

from datarank.cli import main

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_command_is_in_the_readme() -> None:
    for name in main.commands:
        assert f"datarank {name}" in README, f"README does not document `datarank {name}`"


def test_every_option_is_in_the_readme() -> None:
    for name, command in main.commands.items():
        for parameter in command.params:
            if isinstance(parameter, click.Option):
                longest = max(parameter.opts, key=len)
                assert longest in README, f"README does not mention {longest} of `datarank {name}`"
