"""Data as code: every curated file of the project is in canonical formatting.

One check per file, so a failure names the file a curator must run `cartkg data fmt` on and
diffs of the curated data stay reviewable.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cartkg.cli import canonical_text, data_files
from cartkg.paths import layout

PROJECT = layout()
FILES = [p for p in data_files(PROJECT) if p.is_file()]


def test_project_has_curated_files() -> None:
    kinds = {p.parent.name for p in FILES}
    assert {"entities", "claims", "mappings"} <= kinds


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PROJECT.root)))
def test_file_is_canonical(path: Path) -> None:
    display = str(path.relative_to(PROJECT.root))
    text = path.read_text(encoding="utf-8")
    assert canonical_text(path, text, display) == text, f"run `cartkg data fmt` ({display})"
