"""Regression test for the reliability review 2026-12
(`../shared/reviews/2026-12-reliability-review.md`), area 7 row "Billion laughs" and ranked
failure 6: a 1.4 KB RDF/XML file whose internal DTD subset nests entities ten deep made `cartkg
validate` take 9-12 GB of memory and then report "passed".

Each run's child process is limited to 1 GB of address space, so that a regression fails in a
second or two (the parser aborts) instead of taking the machine's memory. RDF/XML written by
ontology editors (Protégé) declares plain entities for namespaces; that must still work.
"""

from __future__ import annotations

import gzip
import resource
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "validate"
CARTKG = Path(sys.executable).with_name("cartkg")
MEMORY_LIMIT = 1 << 30
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def validate(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    options = ["--shapes", FIXTURES / "shapes.ttl", "--ontology", FIXTURES / "ontology.ttl"]
    return subprocess.run(
        [str(CARTKG), "validate", *options, "--no-reasoner", *args, str(path)],
        capture_output=True, text=True, timeout=120, preexec_fn=limit_memory,
    )  # fmt: skip


def document(declarations: list[str], body: str) -> str:
    return "\n".join([
        '<?xml version="1.0"?>',
        "<!DOCTYPE rdf:RDF [", *declarations, "]>",
        f'<rdf:RDF xmlns:rdf="{RDF}" xmlns:ex="http://ex.org/">',
        f'  <rdf:Description rdf:about="http://ex.org/a">{body}</rdf:Description>',
        "</rdf:RDF>",
        "",
    ])  # fmt: skip


def laughs(reference: str = "&{};") -> list[str]:
    """lol, lol1 ... lol9: each ten of the one before, 10^9 "lol"s in all."""
    declared = ['<!ENTITY lol "lol">']
    for level in range(1, 10):
        before = "lol" if level == 1 else f"lol{level - 1}"
        declared.append(f'<!ENTITY lol{level} "{reference.format(before) * 10}">')
    return declared


BOMBS = {
    "billion laughs": document(laughs(), "<ex:p>&lol9;</ex:p>"),
    "with a later XML error": document(laughs(), "<ex:p>&lol9;</ex:p><ex:q>"),
    "in an attribute": document(laughs(), '<ex:p rdf:resource="http://ex.org/&lol9;"/>'),
    # pyoxigraph 0.5 does not expand `&#38;lol;` again once declared; a parser that does would
    # meet the bomb, so any `&` in an entity value is refused.
    "nesting hidden as character references": document(laughs("&#38;{};"), "<ex:p>&lol9;</ex:p>"),
    # No nesting, but a 64 KB value used 40,000 times: 2.6 GB of text from a 0.2 MB file.
    "one big entity used many times": document(
        [f'<!ENTITY big "{"x" * 65536}">'], "<ex:p>" + "&big;" * 40_000 + "</ex:p>"
    ),
}


@pytest.mark.parametrize("bomb", sorted(BOMBS))
def test_entity_bomb_is_refused_quickly_with_exit_2(tmp_path: Path, bomb: str) -> None:
    path = tmp_path / "lol.rdf"
    path.write_text(BOMBS[bomb], encoding="utf-8")
    run = validate(path)
    assert run.returncode == 2, (run.returncode, run.stderr[-2000:])
    assert f"{path}:" in run.stderr and "entit" in run.stderr, run.stderr
    assert "passed" not in run.stderr + run.stdout


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_gzipped_entity_bomb_is_refused_by_every_engine(tmp_path: Path, engine: str) -> None:
    path = tmp_path / "lol.owl.gz"
    path.write_bytes(gzip.compress(BOMBS["billion laughs"].encode()))
    run = validate(path, "--engine", engine)
    assert run.returncode == 2, (run.returncode, run.stderr[-2000:])
    assert f"{path}:" in run.stderr and "entit" in run.stderr, run.stderr


def test_bomb_in_the_shapes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lol.rdf"
    path.write_text(BOMBS["billion laughs"], encoding="utf-8")
    options = ["--shapes", path, "--ontology", FIXTURES / "ontology.ttl", "--no-reasoner"]
    run = subprocess.run(
        [str(CARTKG), "validate", *options, FIXTURES / "good.ttl"],
        capture_output=True, text=True, timeout=120, preexec_fn=limit_memory,
    )  # fmt: skip
    assert run.returncode == 2, (run.returncode, run.stderr[-2000:])
    assert f"{path}:" in run.stderr and "entit" in run.stderr


def test_plain_namespace_entities_as_protege_writes_them_still_work(tmp_path: Path) -> None:
    """The same data as broken.rdf, its IRIs written with entities: the same results."""
    text = (FIXTURES / "broken.rdf").read_text(encoding="utf-8")
    text = text.replace("https://w3id.org/cartkg/id/", "&kg;")
    declarations = '<!DOCTYPE rdf:RDF [\n  <!ENTITY kg "https://w3id.org/cartkg/id/" >\n]>\n'
    first_line, rest = text.split("\n", 1)
    path = tmp_path / "entities.rdf"
    path.write_text(f"{first_line}\n{declarations}{rest}", encoding="utf-8")
    with_entities, plain = (
        validate(path, "--format", "json"),
        validate(FIXTURES / "broken.rdf", "--format", "json"),
    )
    assert with_entities.returncode == plain.returncode == 1, with_entities.stderr
    assert with_entities.stdout.replace(str(path), "") != ""
    assert _results(with_entities.stdout) == _results(plain.stdout)


def _results(report: str) -> list[tuple[str, str, str]]:
    import json

    found = json.loads(report)["results"]
    return sorted((r["focusNode"], r["constraintComponent"], r["message"]) for r in found)
