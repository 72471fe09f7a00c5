"""Typer's command classes with click's own texts in the reader's language: the usage line, the help option, the
suggestions for a mistyped command, and the usage errors that `cli/main.py` prints.

Typer 0.29 vendors click (typer._click) without gettext, so its texts are translated here: the help page through
these classes (`Typer` makes every group and command one of them), an error's message by `usage_message()`, which
recognises click's English sentences by the templates below. A template's English is the sentence click writes, so
under an English locale the text is unchanged; pyproject.toml pins Typer below 0.30 because of that.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from difflib import get_close_matches
from functools import cache
from typing import Any

import typer
from typer._click.core import Context
from typer._click.exceptions import ClickException, UsageError
from typer._click.formatting import HelpFormatter
from typer.core import TyperCommand, TyperGroup, TyperOption
from typer.models import CommandFunctionType

from cli.i18n import _, english, listing
from events.message import N_

# The usage line's placeholders, as click writes them (translated in _write_usage).
N_("[OPTIONS]")
N_("COMMAND [ARGS]...")

# click's and Typer's sentences, as they write them, with their variable parts as fields: the more specific first.
_SENTENCES = (
    N_("Got unexpected extra argument(s) ({arguments})"),
    N_("Option {option} requires an argument."),
    N_("Option {option} requires {count} arguments."),
    N_("Option {option} does not take a value."),
    N_("Argument {argument} takes {count} values."),
    N_("No such option: {option} (Possible options: {options})"),
    N_("No such option: {option}"),
    N_("Missing option {name}."),
    N_("Missing argument {name}."),
    N_("Missing parameter {name}."),
    N_("Invalid value for {name}: {problem}"),
    N_("Invalid value: {problem}"),
    N_("Value error, {problem}"),
    N_("{value} does not match the formats {formats}."),
    N_("{value} is not one of {choices}."),
    N_("Value must be an iterable."),
    N_("Value {value} is not a valid {kind}."),
    N_("Could not open file {name}: {reason}"),
    # pydantic's, for the values Typer converts with it (int, float, datetime, Path ...)
    N_("Input should be a valid integer, unable to parse string as an integer"),
    N_("Input should be a valid integer, got a number with a fractional part"),
    N_("Input should be a valid number, unable to parse string as a number"),
    N_("Input should be a valid boolean, unable to interpret input"),
    N_("Input should be greater than or equal to {bound}"),
    N_("Input should be greater than {bound}"),
    N_("Input should be less than or equal to {bound}"),
    N_("Input should be less than {bound}"),
)


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    def pattern(template: str) -> re.Pattern[str]:
        pieces = re.split(r"\{(\w+)\}", template)  # literal, field, literal, field, ..., literal
        return re.compile(
            "".join(re.escape(piece) if index % 2 == 0 else f"(?P<{piece}>.+?)" for index, piece in enumerate(pieces)),
            re.DOTALL,
        )

    return [(pattern(template), template) for template in _SENTENCES]


def translated(sentence: str) -> str:
    """One of click's, Typer's or pydantic's sentences in the reader's language (parts that are sentences too);
    any other text as it is."""
    for pattern, template in _patterns():
        found = pattern.fullmatch(sentence)
        if found:
            return _(template).format(**{name: translated(part) for name, part in found.groupdict().items()})
    return sentence


def usage_message(failure: ClickException) -> str:
    """What went wrong, in the reader's language, without the usage line (`Missing option '--unit'.`)."""
    return translated(failure.format_message())


def english_message(failure: ClickException) -> str:
    """What went wrong in English (click's words), without the usage line or a prefix."""
    said = failure.message
    failure.message = str(english(said))  # the part that the registry itself wrote, translated (cli/choice.py)
    try:
        return failure.format_message()
    finally:
        failure.message = said


def error_line(failure: ClickException) -> str:
    """The error's line as `show()` prints it, in the reader's language: `usage error: …`."""
    prefix = _("usage error: {message}") if isinstance(failure, UsageError) else _("error: {message}")
    return prefix.format(message=usage_message(failure))


def show(failure: ClickException) -> None:
    """Print a usage error (or another click error) on stderr as click would, in the reader's language."""
    context = failure.ctx if isinstance(failure, UsageError) else None
    if context is not None:
        hint = ""
        if context.command.get_help_option(context) is not None:
            hint = _("Try '{command} {option}' for help.").format(
                command=context.command_path, option=context.help_option_names[0]
            )
        typer.echo(f"{context.get_usage()}\n{hint}\n", err=True)
    typer.echo(error_line(failure), err=True)


def _write_usage(command: TyperCommand | TyperGroup, ctx: Context, formatter: HelpFormatter) -> None:
    pieces = [_(piece) for piece in command.collect_usage_pieces(ctx)]  # [OPTIONS], COMMAND [ARGS]...
    formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_("Usage: "))


def _translated_help(option: TyperOption | None) -> TyperOption | None:
    if option is not None:
        option.help = _("Show this message and exit.")
    return option


class Command(TyperCommand):
    """A command whose help page is in the reader's language."""

    def format_usage(self, ctx: Context, formatter: HelpFormatter) -> None:
        _write_usage(self, ctx, formatter)

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        return _translated_help(super().get_help_option(ctx))


class Group(TyperGroup):
    """A group whose help page, and suggestions for a mistyped command, are in the reader's language."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.suggest_commands = False  # Typer's suggestion is an English sentence: see resolve_command

    def format_usage(self, ctx: Context, formatter: HelpFormatter) -> None:
        _write_usage(self, ctx, formatter)

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        return _translated_help(super().get_help_option(ctx))

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Any, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except UsageError as failure:
            matches = get_close_matches(args[0], list(self.commands)) if args else []
            if matches:
                failure.message = _("{message} Did you mean {commands}?").format(
                    message=failure.message, commands=listing(repr(m) for m in matches)
                )
            raise


class Typer(typer.Typer):
    """A Typer application whose groups and commands are `Group` and `Command`."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(cls=Group, **settings)

    def command(
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **settings: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        return super().command(name, cls=cls or Command, **settings)
