"""The entry point imports only the module of the command it runs; its table must name every command."""

from __future__ import annotations

import importlib

from cli.app import app
from cli.main import COMMAND_MODULES, GROUP_MODULES, command_name


def registered() -> dict[str, set[str]]:
    """Every command and group the modules register, with the modules that register it (or its subcommands)."""
    for module in set(COMMAND_MODULES.values()):
        importlib.import_module(module)
    found = {}
    for command in app.registered_commands:
        assert command.callback is not None
        found[command.name or command.callback.__name__.replace("_", "-")] = {command.callback.__module__}
    for group in app.registered_groups:
        assert group.name is not None and group.typer_instance is not None
        callbacks = [c.callback for c in group.typer_instance.registered_commands if c.callback]
        found[group.name] = {callback.__module__ for callback in callbacks} or {"cli.app"}
    return found


def test_the_tables_name_the_modules_of_every_registered_command() -> None:
    assert registered() == {name: set(GROUP_MODULES.get(name, (module,))) for name, module in COMMAND_MODULES.items()}


def test_the_command_is_the_first_word_after_the_global_options() -> None:
    assert command_name(["--db", "sqlite:///x.db", "--as", "李财政", "history", "ys-2024", "--json"]) == "history"


def test_global_options_written_with_an_equals_sign_take_no_next_word() -> None:
    assert command_name(["--db=sqlite:///x.db", "show", "ys-2024"]) == "show"


def test_help_and_no_command_name_no_command() -> None:
    assert command_name(["--help"]) is None
    assert command_name(["--db", "sqlite:///x.db"]) is None
