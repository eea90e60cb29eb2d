"""Where the project's artefacts live: a source checkout, or the copy inside the wheel."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def project_root() -> Path:
    """The directory holding ontology/, shapes/, data/ and queries/.

    A source checkout (or editable install) wins over the copy packaged in the wheel.
    """
    checkout = _PACKAGE.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "ontology").is_dir():
        return checkout
    return _PACKAGE / "_project"


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def ontology(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes(self) -> Path:
        return self.root / "shapes"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def queries(self) -> Path:
        return self.root / "queries"


def layout() -> Layout:
    return Layout(project_root())


def default_release_dir() -> Path:
    """`$CARTKG_RELEASE`, else `release/` in a checkout, else `./release`."""
    env = os.environ.get("CARTKG_RELEASE")
    if env:
        return Path(env)
    root = project_root()
    if root.name != "_project":
        return root / "release"
    return Path.cwd() / "release"


def sources_dir(root: Path | None = None) -> Path | None:
    """The source documents (`$CARTKG_SOURCES`, or `shared/sources` beside the project root)."""
    env = os.environ.get("CARTKG_SOURCES")
    candidates = [Path(env)] if env else []
    candidates.append((root or project_root()).parent / "shared" / "sources")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return None
