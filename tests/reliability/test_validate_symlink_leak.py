"""Regression test for the reliability review 2026-12
(`../shared/reviews/2026-12-reliability-review.md`), area 7 row "A data folder with symlinks
pointing out of it" and ranked failure 5: `cartkg validate` followed symlinks out of the data
folder, read the targets (`../.git/config`, an env file, `/proc/self/environ`) and quoted them
on stderr and in the `::error` GitHub annotation.

A pull request can deliver such links. A fake secret is planted outside the data folder; it must
appear in no output of any report format, whether the data folder or the link is named, and even
when `--follow-symlinks` is given (then the target is read, but a file that is not RDF is never
quoted).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "validate"
CARTKG = Path(sys.executable).with_name("cartkg")
SECRET = "ghp_FAKE0TOKEN0cafe0123456789abcdef"
#: Variable planted first in the child's environment, so that /proc/self/environ starts with it.
ENV_SECRET = f"FAKE_CI_{SECRET}"
#: The review's combinations: (link name in data/, target relative to the checkout).
LINKS = {
    "config.rdf": ".git/config",  # the whole text was quoted (RDF/XML text event)
    "config.ttl": ".git/config",
    "token.trig": "token",  # a bare token: its first token was quoted
    "token.nt": "token",
    "creds.jsonld": "creds.json",
    "environ.ttl": "/proc/self/environ",
    "environ.rdf": "/proc/self/environ",
}
FORMATS = [
    "--format", "text", "--format", "github", "--format", "json=reports/r.json",
    "--format", "junit=reports/r.xml", "--format", "sarif=reports/r.sarif",
]  # fmt: skip


def checkout(tmp_path: Path, link: str) -> Path:
    """A CI checkout: secrets where actions/checkout and the runner keep them, data/ with one
    good file and one link to a secret."""
    root = tmp_path / "checkout"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "config").write_text(
        '[core]\n\trepositoryformatversion = 0\n[http "https://github.com/"]\n'
        f"\textraheader = AUTHORIZATION: basic {SECRET}\n",
        encoding="utf-8",
    )
    (root / "token").write_text(f"{SECRET}\n", encoding="utf-8")
    (root / "creds.json").write_text(
        f'{{"type": "service_account", "private_key": "{SECRET}", "@id": 5}}\n', encoding="utf-8"
    )
    data = root / "data"
    data.mkdir()
    shutil.copy(FIXTURES / "good.ttl", data / "good.ttl")
    target = LINKS[link]
    (data / link).symlink_to(target if target.startswith("/") else Path("..") / target)
    return root


def validate(root: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """`cartkg validate` run in the checkout, every report format asked for; returns the run
    and everything it wrote (stdout, stderr, report files)."""
    env = {ENV_SECRET: "1", "PATH": os.environ.get("PATH", ""), "HOME": str(root)}
    options = ["--shapes", FIXTURES / "shapes.ttl", "--ontology", FIXTURES / "ontology.ttl"]
    run = subprocess.run(
        [str(CARTKG), "validate", *options, "--no-reasoner", *FORMATS, *args],
        cwd=root, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    reports = sorted((root / "reports").glob("*")) if (root / "reports").exists() else []
    written = [run.stdout, run.stderr, *(p.read_text(encoding="utf-8") for p in reports)]
    return run, "\n".join(written)


def assert_no_secret(output: str) -> None:
    assert SECRET not in output and ENV_SECRET not in output
    assert "basic" not in output  # not even the rest of the .git/config line


@pytest.mark.parametrize("link", sorted(LINKS))
def test_link_out_of_the_named_folder_is_not_followed(tmp_path: Path, link: str) -> None:
    root = checkout(tmp_path, link)
    run, output = validate(root, "data")
    assert_no_secret(output)
    assert run.returncode == 2, output
    assert f"data/{link}" in run.stderr and "--follow-symlinks" in run.stderr
    assert f"::error file=data/{link}," in run.stdout  # the GitHub annotation names the link


@pytest.mark.parametrize("link", sorted(LINKS))
def test_link_named_on_the_command_line_is_never_quoted(tmp_path: Path, link: str) -> None:
    """Named directly, a link that stays in the working directory (and out of hidden folders)
    is read; the others are refused. Either way nothing of the target is shown."""
    root = checkout(tmp_path, link)
    run, output = validate(root, f"data/{link}")
    assert_no_secret(output)
    assert run.returncode == 2, output
    assert f"data/{link}" in run.stderr


@pytest.mark.parametrize("link", sorted(LINKS))
def test_followed_link_is_read_but_not_quoted(tmp_path: Path, link: str) -> None:
    root = checkout(tmp_path, link)
    run, output = validate(root, "--follow-symlinks", "data")
    assert_no_secret(output)
    assert run.returncode in (0, 2), output  # a file that is not RDF: exit 2 (or no statements)
    if run.returncode == 2:
        assert f"data/{link}" in run.stderr and "not quoted" in run.stderr


def test_link_into_a_hidden_folder_of_the_named_folder_is_not_followed(tmp_path: Path) -> None:
    """`cartkg validate .` in the checkout: .git/config is inside the folder, but hidden."""
    root = checkout(tmp_path, "config.rdf")
    (root / "data" / "config.rdf").unlink()
    (root / "config.rdf").symlink_to(".git/config")
    run, output = validate(root, ".")
    assert_no_secret(output)
    assert run.returncode == 2, output
    assert "config.rdf: a symbolic link that leads into a hidden folder of ./" in run.stderr
