"""`cartkg imports` exited 1 ("the data breaks a rule") where it could not run; the contract
of every cartkg command says 2 (architecture review 2026-12, section 1.5, "Exit codes")."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cartkg.cli import CANNOT_RUN, main


def test_imports_refresh_from_an_unreadable_file_exits_2(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not an ontology\n")
    result = CliRunner().invoke(
        main,
        ["imports", "refresh", "--from", str(notes), "--terms", "MONDO:0005062",
         "--dir", str(tmp_path / "imports")],
    )  # fmt: skip
    assert result.exit_code == CANNOT_RUN, result.output
    assert result.output.startswith("cartkg: ") and "notes.txt" in result.output
