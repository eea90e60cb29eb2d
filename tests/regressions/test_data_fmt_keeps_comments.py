"""`cartkg data fmt` deleted every comment of a data file that was not a section heading just
above a record, and `--check` then rejected any file that had one (architecture review
2026-12, section 3, `cartkg/yamlio.py`: "a comment that is not a section heading is deleted")."""

from __future__ import annotations

from click.testing import CliRunner, Result

from cartkg.cli import main
from cartkg.paths import Layout

#: An entities file in canonical form, with comments in every kind of place.
CANONICAL = """\
# Invented things of the fixture project.
- id: fixcel
  type: CarTProduct # the product, not the therapy
  label: fixcel
  description: >-
    A CAR-T medicine invented for the test suite.
# ---- diseases ----------------------------------------------------------------------------
- id: lupus
  # one class is enough here
  type: AutoimmuneDisease
  label: systemic lupus erythematosus
  aliases:
  - SLE # the abbreviation
  # what patients call it
  - lupus
- id: cd19
  type: TargetAntigen
  label: CD19
#no space after the hash, kept as written
"""

#: The same file as a curator might write it: fields out of order, comments where they were.
WRITTEN = """\
# Invented things of the fixture project.
- label: fixcel
  description: A CAR-T medicine invented for the test suite.
  id: fixcel
  type: CarTProduct   # the product, not the therapy
# ---- diseases ----------------------------------------------------------------------------
- id: lupus
  label: systemic lupus erythematosus
  # one class is enough here
  type: AutoimmuneDisease
  aliases:
    - SLE  # the abbreviation
    # what patients call it
    - lupus
- {id: cd19, type: TargetAntigen, label: CD19}
#no space after the hash, kept as written
"""


def fmt(project: Layout, *args: str) -> Result:
    return CliRunner().invoke(main, ["--project", str(project.root), "data", "fmt", *args])


def test_fmt_keeps_comments_before_records_after_keys_and_inside_lists(
    mini_project: Layout,
) -> None:
    path = mini_project.data / "entities" / "things.yaml"
    path.write_text(WRITTEN, encoding="utf-8")
    done = fmt(mini_project)
    assert done.exit_code == 0, done.output
    assert "reformatted: data/entities/things.yaml" in done.output
    assert path.read_text(encoding="utf-8") == CANONICAL


def test_fmt_check_accepts_a_canonical_file_with_comments(mini_project: Layout) -> None:
    path = mini_project.data / "entities" / "things.yaml"
    path.write_text(CANONICAL, encoding="utf-8")
    check = fmt(mini_project, "--check")
    assert check.exit_code == 0, check.output
    assert path.read_text(encoding="utf-8") == CANONICAL


def test_a_value_with_a_comment_inside_is_written_one_field_a_line(mini_project: Layout) -> None:
    path = mini_project.data / "claims" / "source-000.yaml"
    text = path.read_text(encoding="utf-8")
    one_line = "    hasDuration: {min: 3, max: 5, unit: week}\n"
    by_field = "    hasDuration:\n      min: 3\n      max: 5\n      unit: week\n"
    assert one_line in text
    path.write_text(text.replace(one_line, by_field.replace("3\n", "3 # at the earliest\n")))
    assert fmt(mini_project, "--check").exit_code == 0
    path.write_text(text.replace(one_line, by_field), encoding="utf-8")
    assert fmt(mini_project).exit_code == 0
    assert path.read_text(encoding="utf-8") == text  # no comment inside: back on one line
