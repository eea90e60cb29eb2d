"""The options of `cartkg serve` and `python -m cartkg.server`, both derived from the fields of
`ServerConfig` and `Listen` (config.py), where each default, flag and help text is written once.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import click

from .config import Listen, ServerConfig

Command = TypeVar("Command", bound=Callable[..., Any])


#: A time must be more than 0 (an int, a count or a size, at least its field's `minimum`).
_TYPES: dict[type, click.ParamType[Any]] = {
    Path: click.Path(path_type=Path),
    float: click.FloatRange(min=0, min_open=True),
}


def options(command: Command) -> Command:
    """An option for every field of ServerConfig, then of Listen, passed to `command` as a
    keyword argument named after the field."""
    for cls in (Listen, ServerConfig):  # click lists the options in the reverse order of these
        hints = typing.get_type_hints(cls)
        for field in reversed(dataclasses.fields(cls)):
            command = _option(cls, field, hints[field.name])(command)
    return command


def from_options(values: Mapping[str, Any]) -> tuple[ServerConfig, Listen]:
    """The settings from a command's keyword arguments (`options`); an option without a value
    (None) leaves the field's default."""
    given = {name: value for name, value in values.items() if value is not None}
    listen = {field.name for field in dataclasses.fields(Listen)}
    config = ServerConfig(**{k: v for k, v in given.items() if k not in listen})
    return config, Listen(**{k: v for k, v in given.items() if k in listen})


def _option(cls: type, field: dataclasses.Field[Any], hint: Any) -> Callable[[Command], Command]:
    meta = field.metadata
    if "flag" not in meta:
        raise TypeError(f"{cls.__name__}.{field.name} has no command-line flag (config.flag)")
    # Required, or computed (default_factory): None here, the field's own default later.
    default = None if field.default is dataclasses.MISSING else field.default
    kind = _unwrap(hint)
    settings: dict[str, Any] = {
        "help": meta["help"],
        "metavar": meta["metavar"],
        "envvar": meta["envvar"],
        "default": default,
        "show_default": meta["shown"] or default is not None,
    }
    if kind is bool:
        settings["is_flag"] = True
    elif typing.get_origin(kind) is tuple:
        settings["multiple"] = True
    elif kind is int:
        settings["type"] = click.IntRange(min=meta["minimum"])
    else:
        settings["type"] = _TYPES.get(kind, kind)
    return click.option(meta["flag"], *meta["also"], field.name, **settings)


def _unwrap(hint: Any) -> Any:
    """`int | None` as int."""
    if isinstance(hint, types.UnionType):
        return next(kind for kind in typing.get_args(hint) if kind is not type(None))
    return hint
