"""The `registry` entry point: runs the Typer app and turns errors into messages and exit codes."""

from __future__ import annotations

import importlib
import sys

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError

from cli.app import app
from cli.command import english_message, error_line, show
from cli.context import Exit, InvalidInput, Usage
from cli.i18n import _, explained, in_english

# Importing a module registers its commands. A run imports only the module of the command it runs (start-up is
# most of a short command's time: `registry history` need not load spreadsheets, reports and the HTTP server);
# help, an unknown name or no command imports them all. tests/cli/test_main.py keeps this table complete.
COMMAND_MODULES: dict[str, str] = {
    **dict.fromkeys(("init", "verify", "rebuild", "demo", "actor"), "cli.admin"),
    **dict.fromkeys(("show", "list", "history"), "cli.read"),
    **dict.fromkeys(("serve", "schema"), "cli.serve"),
    **dict.fromkeys(("queue", "report"), "cli.supervision"),
    "token": "cli.access",
    "account": "cli.account",
    **dict.fromkeys(("webhook", "deliver"), "cli.webhook"),
    **dict.fromkeys(("import", "export"), "cli.transfer"),
    **dict.fromkeys(("key", "checkpoint", "checkpoints", "head", "prove", "verify-proof"), "cli.transparency"),
    **dict.fromkeys(
        ("draft", "revise", "submit", "review", "approve", "publish", "adjust", "retire", "discard"), "cli.write"
    ),
}
# Groups that more than one module adds commands to: running one imports each of them.
GROUP_MODULES: dict[str, tuple[str, ...]] = {
    "actor": ("cli.admin", "cli.access"),  # actor password, actor disable
    "report": ("cli.supervision", "cli.access", "cli.webhook"),  # report access, report webhooks
}
_GLOBAL_OPTIONS_WITH_VALUE = {"--db", "--as", "--profile", "--key", "--backfill-at", "--backfill-by"}


def command_name(arguments: list[str]) -> str | None:
    """The command that `arguments` (sys.argv[1:]) run: the first word after the global options, if any."""
    words = iter(arguments)
    for word in words:
        if word in _GLOBAL_OPTIONS_WITH_VALUE:
            next(words, None)
        elif not word.startswith("-"):
            return word
        elif word in ("--help", "-h", "--"):
            return None
    return None


def import_commands(arguments: list[str]) -> None:
    """Register the command that `arguments` run, or every command when that is not clear."""
    name = command_name(arguments) or ""
    module = COMMAND_MODULES.get(name)
    for imported in GROUP_MODULES.get(name, (module,)) if module else sorted(set(COMMAND_MODULES.values())):
        importlib.import_module(imported)


def run() -> None:
    import_commands(sys.argv[1:])
    try:
        # Not standalone: click's own error messages are English, so they are caught and printed here (cli/command.py).
        result = app(standalone_mode=False)
    except ClickException as failure:
        if isinstance(failure, NoArgsIsHelpError):  # `registry actor`: the help, on stderr, exit 2 (as click does)
            failure.show()
        else:
            if _asked_for_json():
                _print_json_error(failure.exit_code, english_message(failure), error_line(failure))
            show(failure)
        sys.exit(failure.exit_code)
    except typer.Abort:  # end of input at a prompt
        typer.echo(_("Aborted!"), err=True)
        sys.exit(1)
    except Exception as failure:
        explained = explain(failure)
        if explained is None:
            raise
        from cli.output import error

        message, code = explained
        if _asked_for_json():
            _print_json_error(code, _english_of(failure), message, **_rule_of(failure))
        error(message)
        sys.exit(code)
    # --help, --version and typer.Exit(code) return their exit code (Ctrl-C: 130); a command returns None
    sys.exit(result if isinstance(result, int) else 0)


def _asked_for_json() -> bool:
    return "--json" in sys.argv[1:]


def _print_json_error(code: int, message: str, text: str, **more: str) -> None:
    """A failure as a script that asked for JSON reads it (docs/cli.md): `message` in English without a prefix
    and the exit code are the contract; `text` is what people were told, in their language."""
    from cli.output import print_json

    print_json({"error": {"exit": int(code), "message": message, "text": text, **more}})


def _rule_of(failure: Exception) -> dict[str, str]:
    from registry.rules import RuleViolation

    return {"rule": failure.rule.code} if isinstance(failure, RuleViolation) else {}


def _english_of(failure: Exception) -> str:
    from sqlalchemy.exc import DBAPIError

    if isinstance(failure, DBAPIError):
        return _database_cause(failure)
    return in_english(failure)


def _database_cause(failure: Exception) -> str:
    orig = getattr(failure, "orig", None)
    return str(orig).strip().splitlines()[0] if orig else str(failure)


def explain(failure: Exception) -> tuple[str, int] | None:
    """The message and exit code of an error that a user can act on; None for anything else (a bug).

    The error classes are imported only when something failed, so that a command's start-up does not pay for the
    modules that define them.
    """
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from events.checkpoint import SigningKeyError
    from events.store import Conflict
    from registry.missing import NotFound, NotInitialized
    from registry.profile import ProfileError
    from registry.rules import RuleViolation

    said = explained(failure)  # in the reader's language
    match failure:
        case RuleViolation():
            return _("refused [{rule}]: {message}").format(rule=failure.rule.code, message=said), Exit.REFUSED
        case Conflict():
            return said, Exit.CONFLICT
        case SigningKeyError():
            return _("refused [{rule}]: {message}").format(rule="签名密钥", message=said), Exit.REFUSED
        case NotFound() | NotInitialized():
            return _("error: {message}").format(message=said), Exit.NOT_FOUND
        case Usage():
            return _("usage error: {message}").format(message=said), Exit.USAGE
        case InvalidInput() | ProfileError():
            return _("invalid input: {message}").format(message=said), Exit.INVALID_INPUT
        case DBAPIError():
            return _("database error: {message}").format(message=_database_cause(failure)), 1
        case SQLAlchemyError():
            return _("database error: {message}").format(message=failure), 1
    return None


if __name__ == "__main__":
    run()
