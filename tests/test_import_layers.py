"""Imports point one way (issue 10, "Layers that point one way"; architecture review 1.3).

The layers, bottom to top: `cartkg.fastshacl` (stands alone, so it could be published by itself),
the core (`cartkg`), the server (`cartkg.server`), the CLI
(`cartkg.cli`, `cartkg.importcmd`, `cartkg.query`). Blueprints share helper modules and never
import each other. Every import counts, function-level ones included, relative ones resolved.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLI = ("cartkg.cli", "cartkg.importcmd", "cartkg.query")
SERVER = "cartkg.server"
FASTSHACL = "cartkg.fastshacl"


def _module_name(path: Path) -> str:
    """The dotted name a file is imported as."""
    name = ".".join(path.relative_to(ROOT).parts).removesuffix(".py")
    return name.removesuffix(".__init__")


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in (ROOT / "cartkg").rglob("*.py")}


MODULES = _modules()


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import; `from X import y` yields X.y when that is a module."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:
                if f"{target}.{alias.name}" in MODULES:
                    yield node.lineno, f"{target}.{alias.name}"


def _within(module: str, packages: tuple[str, ...] | str) -> bool:
    """Whether `module` is one of `packages` or inside one."""
    names = (packages,) if isinstance(packages, str) else packages
    return any(module == p or module.startswith(p + ".") for p in names)


def _where(path: Path, line: int, module: str) -> str:
    return f"{path.relative_to(ROOT)}:{line}: imports {module}"


def _offences(layer: tuple[str, ...] | str, forbidden: tuple[str, ...] | str) -> list[str]:
    return [
        _where(path, line, target)
        for name, path in sorted(MODULES.items())
        if _within(name, layer)
        for line, target in _imports(path)
        if _within(target, forbidden)
    ]


def test_modules_found() -> None:
    """The walk sees all three layers, so an empty offence list means something."""
    assert {"cartkg.release", "cartkg.cli", "cartkg.server.app", FASTSHACL} <= MODULES.keys()
    assert not any(_within(n, "cartkg.server.server") for n in MODULES)


def test_core_imports_neither_server_nor_cli() -> None:
    core = [n for n in MODULES if not _within(n, (SERVER, *CLI))]
    offences = [
        _where(MODULES[name], line, target)
        for name in sorted(core)
        for line, target in _imports(MODULES[name])
        if _within(target, (SERVER, *CLI))
    ]
    assert not offences, "\n".join(offences)


def test_server_does_not_import_cli() -> None:
    offences = _offences(SERVER, CLI)
    assert not offences, "\n".join(offences)


def test_fastshacl_stands_alone() -> None:
    fastshacl = [n for n in MODULES if _within(n, FASTSHACL)]
    offences = [
        _where(MODULES[name], line, target)
        for name in sorted(fastshacl)
        for line, target in _imports(MODULES[name])
        if _within(target, "cartkg") and not _within(target, FASTSHACL)
    ]
    assert not offences, "\n".join(offences)


def _blueprints() -> list[str]:
    return sorted(
        name
        for name, path in MODULES.items()
        if _within(name, SERVER) and "Blueprint(" in path.read_text(encoding="utf-8")
    )


def test_blueprints_found() -> None:
    assert {"cartkg.server.protocol", "cartkg.server.pages"} <= set(_blueprints())


@pytest.mark.parametrize("blueprint", _blueprints())
def test_blueprints_do_not_import_each_other(blueprint: str) -> None:
    others = tuple(b for b in _blueprints() if b != blueprint)
    offences = _offences(blueprint, others)
    assert not offences, "\n".join(offences)
