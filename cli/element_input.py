"""Element values from command-line options or a JSON file, with errors that name the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from cli import choice
from cli.context import InvalidInput
from cli.i18n import _
from events.elements import ItemElements

# The enumerated elements, in English or in Chinese (所有人 and 社会公众 are the public, as the importer reads them):
# the options' parser, and what a --from file's values are checked against.
_CHOICES = {"audience": choice.audience(), "method": choice.method(), "levels": choice.level()}

Category = Annotated[str | None, typer.Option(help=_("一级事项 (category)"))]
Name = Annotated[str | None, typer.Option(help=_("二级事项 (name)"))]
Subname = Annotated[str | None, typer.Option(help=_("三级事项 (subname)"))]
Content = Annotated[str | None, typer.Option(help=_("公开内容（要素） (content)"))]
Basis = Annotated[str | None, typer.Option(help=_("公开依据 (basis)"))]
TimeLimit = Annotated[
    str | None, typer.Option("--time-limit", help=_("公开时限, e.g. 信息形成或者变更之日起20个工作日内"))
]
Body = Annotated[str | None, typer.Option(help=_("公开主体 (body)"))]
Channel = Annotated[list[str] | None, typer.Option("--channel", help=_("公开渠道和载体, repeatable, e.g. 政府网站"))]
AudienceOption = Annotated[
    list[str] | None,
    typer.Option(
        "--audience",
        parser=_CHOICES["audience"],
        help=_("公开对象, repeatable: public (全社会), specific_group (特定群体)"),
    ),
]
AudienceNote = Annotated[str | None, typer.Option("--audience-note", help=_("which specific group (特定群体)"))]
MethodOption = Annotated[
    list[str] | None,
    typer.Option(
        "--method", parser=_CHOICES["method"], help=_("公开方式, repeatable: proactive (主动), on_request (依申请)")
    ),
]
LevelOption = Annotated[
    list[str] | None,
    typer.Option(
        "--level",
        parser=_CHOICES["levels"],
        help=_("公开层级, repeatable: county (县级), township (乡级), village (村级)"),
    ),
]
FromFile = Annotated[
    Path | None, typer.Option("--from", help=_("a JSON object with element names as keys; options override it"))
]


def read_json_object(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8-sig"))
    except OSError as error:
        raise InvalidInput(_("{path}: cannot read ({reason})").format(path=path, reason=error.strerror)) from error
    except UnicodeDecodeError as error:
        raise InvalidInput(_("{path}: not UTF-8 text (byte {byte})").format(path=path, byte=error.start)) from error
    except json.JSONDecodeError as error:
        raise InvalidInput(
            _("{path}: line {line}, column {column}: {problem}").format(
                path=path, line=error.lineno, column=error.colno, problem=error.msg
            )
        ) from error
    if not isinstance(data, dict):
        raise InvalidInput(_("{path}: expected a JSON object with element names as keys").format(path=path))
    return data


def collect(
    source: Path | None,
    extra_keys: tuple[str, ...] = (),
    **options: Any,
) -> tuple[ItemElements, frozenset[str], dict[str, Any]]:
    """(elements, the fields given, the extra keys found) from `--from` and the options (options win)."""
    given: dict[str, Any] = read_json_object(source) if source else {}
    where = str(source) if source else _("options")
    extras = {key: given.pop(key) for key in extra_keys if key in given}
    unknown = sorted(set(given) - set(ItemElements.model_fields))
    if unknown:
        raise InvalidInput(
            _("{where}: unknown field(s) {unknown}; expected {expected}").format(
                where=where, unknown=", ".join(unknown), expected=", ".join([*ItemElements.model_fields, *extra_keys])
            )
        )
    for field, value in options.items():
        if value is not None and value != []:
            given[field] = value
    for field, chosen in _CHOICES.items():
        if field in given:
            values = given[field] if isinstance(given[field], list) else [given[field]]
            given[field] = [_chosen(where, field, chosen, value) for value in values]
    try:
        elements = ItemElements.model_validate(given)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors(include_url=False)
        )
        raise InvalidInput(
            _("{where}: invalid element value(s): {problems}").format(where=where, problems=problems)
        ) from error
    return elements, frozenset(given), extras


def _chosen(where: str, field: str, chosen: choice.Choice, value: object) -> str:
    """The English value of one value of an enumerated element; InvalidInput naming the field and the choices."""
    found = chosen.values.get(value.strip()) if isinstance(value, str) else None
    if found is None:
        raise InvalidInput(
            _("{where}: {field}: {value!r} is not one of {choices}").format(
                where=where, field=field, value=value, choices=chosen.choices()
            )
        )
    return found
