"""Reliability review 2026-12 (`../shared/reviews/2026-12-reliability-review.md`), area 7 "The
CLI on hostile files": the attacks that held (PASS rows) keep a test here. The real `cartkg
validate` in a child process, under a timeout (a hang fails) and a 1 GB address-space limit (a
memory blow-up fails fast), with a canary listener on 127.0.0.1 that must receive nothing and a
planted secret outside the data folder that must never be printed.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import resource
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from netcanary import Canary

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "validate"
CARTKG = Path(sys.executable).with_name("cartkg")
TIMEOUT = 60  # runs take a second or two; a hang is a timeout
MEMORY_LIMIT = 1 << 30
SECRET = "HELD-SECRET-7f3a"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
ENGINES = [(), ("--engine", "pyshacl"), ("--format", "json")]


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def validate(
    *args: str | Path, cwd: Path, reasoner: bool = False, shapes: Path = FIXTURES / "shapes.ttl"
) -> subprocess.CompletedProcess[str]:
    options = ["--shapes", shapes, "--ontology", FIXTURES / "ontology.ttl"]
    flag = "--reasoner" if reasoner else "--no-reasoner"
    return subprocess.run(
        [str(CARTKG), "validate", *map(str, options), flag, *map(str, args)],
        cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL,
        preexec_fn=None if reasoner else limit_memory,
    )  # fmt: skip


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A secret outside the data folder `tmp_path/data`."""
    path = tmp_path / "secret.txt"
    path.write_text(SECRET + "\n")
    (tmp_path / "data").mkdir()
    return path


@pytest.fixture
def canary() -> Iterator[Canary]:
    with Canary() as listening:
        yield listening


def pyshacl_shapes(tmp_path: Path) -> Path:
    """Shapes with a SPARQL constraint, which the fast engine hands to pyshacl (rdflib)."""
    shapes = tmp_path / "sparql-shapes.ttl"
    shapes.write_text(
        (FIXTURES / "shapes.ttl").read_text()
        + """
@prefix sh: <http://www.w3.org/ns/shacl#> .
<urn:held:sparql-shape> a sh:NodeShape ; sh:targetNode <urn:held:none> ;
    sh:sparql [ sh:select "SELECT $this WHERE { FILTER(false) }" ] .
"""
    )
    return shapes


@pytest.mark.parametrize("options", [*ENGINES, ("custom-shapes",)], ids=str)
def test_xxe_file_entity_is_refused_and_nothing_read(
    tmp_path: Path, secret: Path, options: tuple[str, ...]
) -> None:
    """Row "RDF/XML XXE `<!ENTITY x SYSTEM "file:///etc/passwd">` plus the planted secret:
    default engine, `--engine pyshacl`, custom shapes that push the run onto rdflib, `--format
    json`" (PASS): exit 2, nothing read."""
    for target in (secret, Path("/etc/passwd"))[: 2 if options == () else 1]:
        data = tmp_path / "data" / "xxe_file.rdf"
        data.write_text(
            f'<?xml version="1.0"?>\n<!DOCTYPE r [\n<!ENTITY x SYSTEM "file://{target}">\n]>\n'
            f'<rdf:RDF xmlns:rdf="{RDF}" xmlns:ex="http://ex.org/">\n'
            '<rdf:Description rdf:about="http://ex.org/a"><ex:p>&x;</ex:p></rdf:Description>\n'
            "</rdf:RDF>\n"
        )
        extra: tuple[str | Path, ...] = options
        kwargs = {}
        if options == ("custom-shapes",):
            extra, kwargs = (), {"shapes": pyshacl_shapes(tmp_path)}
        run = validate(*extra, data, cwd=tmp_path, **kwargs)  # type: ignore[arg-type]
        assert run.returncode == 2, run.stdout + run.stderr
        assert "xxe_file.rdf" in run.stderr or "xxe_file.rdf" in run.stdout
        assert SECRET not in run.stdout + run.stderr
        assert "root:x:0" not in run.stdout + run.stderr


@pytest.mark.parametrize("kind", ["general", "parameter", "external-dtd"])
def test_xxe_over_http_makes_no_request(tmp_path: Path, canary: Canary, kind: str) -> None:
    """Row "XXE over HTTP (general and parameter entity); external DTD" (PASS): no request;
    exit 2 (or 0 for an external DTD that is simply not read)."""
    doctype = {
        "general": f'<!DOCTYPE r [<!ENTITY x SYSTEM "{canary.url}/general">]>',
        "parameter": f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{canary.url}/parameter"> %p;]>',
        "external-dtd": f'<!DOCTYPE rdf:RDF SYSTEM "{canary.url}/external.dtd">',
    }[kind]
    use = "&x;" if kind == "general" else "v"
    data = tmp_path / "xxe_http.rdf"
    data.write_text(
        f'<?xml version="1.0"?>\n{doctype}\n<rdf:RDF xmlns:rdf="{RDF}" xmlns:ex="http://ex.org/">'
        f'<rdf:Description rdf:about="http://ex.org/a"><ex:p>{use}</ex:p></rdf:Description>'
        "</rdf:RDF>\n"
    )
    run = validate(data, cwd=tmp_path)
    assert run.returncode in (0, 2), run.stderr
    if kind != "external-dtd":
        assert run.returncode == 2 and "xxe_http.rdf" in run.stderr
    assert canary.paths == []


@pytest.mark.parametrize(
    ("shape", "options"),
    [("string", ()), ("array", ()), ("import", ()), ("string", ("--engine", "pyshacl")),
     ("array", ("custom-shapes",))],
    ids=str,
)  # fmt: skip
def test_remote_jsonld_context_is_never_fetched(
    tmp_path: Path, canary: Canary, shape: str, options: tuple[str, ...]
) -> None:
    """Row "JSON-LD remote `@context` (string, array, `@import`) at 127.0.0.1, with all three
    engine paths" (PASS): no request; exit 2 naming the file. (`cartkg qc` is not run here.)"""
    remote = f"{canary.url}/context.jsonld"
    context: object = {
        "string": remote,
        "array": [remote, {"ex": "http://ex.org/"}],
        "import": {"@version": 1.1, "@import": remote},
    }[shape]
    data = tmp_path / "remote_context.jsonld"
    data.write_text(json.dumps({"@context": context, "@id": "http://ex.org/a", "ex:p": "v"}))
    extra: tuple[str | Path, ...] = options
    kwargs = {}
    if options == ("custom-shapes",):
        extra, kwargs = (), {"shapes": pyshacl_shapes(tmp_path)}
    run = validate(*extra, data, cwd=tmp_path, **kwargs)  # type: ignore[arg-type]
    assert run.returncode == 2, run.stdout + run.stderr
    assert "remote_context.jsonld" in run.stderr + run.stdout
    assert canary.paths == []


@pytest.mark.parametrize("syntax", ["ttl", "rdf"])
def test_owl_imports_are_never_fetched(tmp_path: Path, canary: Canary, syntax: str) -> None:
    """Row "`owl:imports <http://127.0.0.1:18999/...>` in Turtle and RDF/XML, with the reasoner
    on" (PASS): no request. (`cartkg qc` is not run here.)"""
    if shutil.which("java") is None:
        pytest.skip("the reasoner needs Java")
    good = (FIXTURES / "good.ttl").read_text()
    target = f"{canary.url}/imported.owl"
    if syntax == "ttl":
        text = good + "\n<urn:held:onto> a <http://www.w3.org/2002/07/owl#Ontology> ;\n"
        text += f"    <http://www.w3.org/2002/07/owl#imports> <{target}> .\n"
    else:
        text = (
            f'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="{RDF}" '
            'xmlns:owl="http://www.w3.org/2002/07/owl#">\n'
            f'<owl:Ontology rdf:about="urn:held:onto"><owl:imports rdf:resource="{target}"/>'
            "</owl:Ontology>\n</rdf:RDF>\n"
        )
    data = tmp_path / f"imports.{syntax}"
    data.write_text(text)
    run = validate(data, cwd=tmp_path, reasoner=True)
    assert run.returncode in (0, 1), run.stderr
    assert canary.paths == []


def test_random_bytes_exit_2_naming_the_file(tmp_path: Path) -> None:
    """Row "1 GB of random bytes; 1 GB of comments with an error on the last line; gzip that
    expands to 4 GB" (PASS), sampled: 16 MB of random bytes, exit 2 naming the file and line 1."""
    data = tmp_path / "random.ttl"
    data.write_bytes(os.urandom(16 << 20))
    run = validate(data, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert "random.ttl:1" in run.stderr


def test_comments_with_an_error_on_the_last_line_name_that_line(tmp_path: Path) -> None:
    """Same row, sampled: 64 MB of comment lines, then an error: exit 2 naming its line."""
    lines = 1 << 20
    data = tmp_path / "comments.ttl"
    with data.open("wb") as out:
        for _ in range(lines // 4096):
            out.write((b"# " + b"c" * 61 + b"\n") * 4096)
        out.write(b"<urn:a> <urn:b> .\n")
    run = validate(data, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert f"comments.ttl:{lines + 1}" in run.stderr


def test_a_gzip_bomb_is_read_in_bounded_memory(tmp_path: Path) -> None:
    """Same row, sampled: gzip that expands to 256 MB of comments (well under 1 MB on disk) is
    read under the 1 GB address-space limit: exit 0."""
    data = tmp_path / "bomb.ttl.gz"
    block = (b"#" + b" " * 1022 + b"\n") * 1024  # 1 MB
    with gzip.open(data, "wb", compresslevel=9) as out:
        out.write((FIXTURES / "good.ttl").read_bytes())
        for _ in range(256):
            out.write(block)
    assert data.stat().st_size < 8 << 20
    run = validate(data, cwd=tmp_path)
    assert run.returncode == 0, run.stderr


def binaries(tmp_path: Path) -> list[Path]:
    elf = tmp_path / "elf.ttl"
    elf.write_bytes(Path(sys.executable).resolve().read_bytes()[:65536])
    png = tmp_path / "image.rdf"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2000))
    nuls = tmp_path / "nuls.jsonld"
    nuls.write_bytes(b"\x00" * 4096)
    return [elf, png, nuls]


def exits_2_naming(path: Path, cwd: Path) -> None:
    run = validate(path, cwd=cwd)
    assert run.returncode == 2, (path.name, run.returncode, run.stdout, run.stderr)
    assert path.name in run.stderr, (path.name, run.stderr)
    assert "Traceback" not in run.stderr


def test_binary_files_exit_2_naming_the_file(tmp_path: Path) -> None:
    """Row "Binary: ELF as `.ttl`, PNG as `.rdf`, NULs as `.jsonld`, random bytes as `.ttl.gz`,
    truncated `.nt.gz`" (PASS): exit 2, file named. (The two gzip cases: below.)"""
    for path in binaries(tmp_path):
        exits_2_naming(path, tmp_path)


def bad_gzip(tmp_path: Path, kind: str) -> Path:
    if kind == "random.ttl.gz":  # fixed bytes (a seeded generator), not gzip's magic number
        content = random.Random(7).randbytes(4096)
    elif kind == "truncated.nt.gz":
        whole = gzip.compress(b"<urn:a> <urn:b> <urn:c> .\n" * 10_000)
        content = whole[: len(whole) // 2]
    else:  # what a download cut after a few bytes leaves
        content = b"\x1f\x8b\x08\x00garbage"
    path = tmp_path / kind
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("kind", ["random.ttl.gz", "truncated.nt.gz", "header-then-garbage.ttl.gz"])
def test_bad_gzip_exits_2_naming_the_file(tmp_path: Path, kind: str) -> None:
    """Row "Binary: ... random bytes as `.ttl.gz`, truncated `.nt.gz`" (PASS in the review):
    exit 2, file named. The third case (a gzip header, then garbage) is a variant found here.
    All three had regressed when the readers were merged into one (gzip's errors escaped
    unnamed: "Not a gzipped file", or exit 1 with click's "Aborted!" for an EOFError)."""
    exits_2_naming(bad_gzip(tmp_path, kind), tmp_path)


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1"])
def test_wrong_encoding_exits_2_naming_line_and_column(tmp_path: Path, encoding: str) -> None:
    """Row "Wrong encoding: UTF-16, Latin-1" (PASS): exit 2 naming line and column."""
    text = (FIXTURES / "good.ttl").read_text() + '\nkg:sle rdfs:comment "café"@fr .\n'
    data = tmp_path / "encoded.ttl"
    data.write_bytes(text.encode(encoding))
    run = validate(data, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    line = 1 if encoding == "utf-16" else text.count("\n")
    assert f"encoded.ttl:{line}" in run.stderr
    assert "column" in run.stderr


def test_deep_nesting_is_bounded(tmp_path: Path) -> None:
    """Row "Deep nesting: 100,000 nested blank nodes (Turtle); 50,000 `@list` / 200,000 arrays
    (JSON-LD)" (PASS): bounded: exit 0, or exit 2 naming the file; no crash."""
    turtle = tmp_path / "nested.ttl"
    depth = 100_000
    turtle.write_text("<urn:a> <urn:p> " + "[ <urn:p> " * depth + "<urn:z>" + " ]" * depth + " .\n")
    run = validate(turtle, cwd=tmp_path)
    assert run.returncode in (0, 2), run.stderr[-500:]
    if run.returncode == 2:
        assert "nested.ttl" in run.stderr
    lists = tmp_path / "lists.jsonld"
    lists.write_text('{"@id": "urn:a", "urn:p": ' + '{"@list": [' * 50_000 + "]}" * 50_000 + "}")
    arrays = tmp_path / "arrays.jsonld"
    arrays.write_text('{"@id": "urn:a", "urn:p": ' + "[" * 200_000 + "]" * 200_000 + "}")
    for path in (lists, arrays):
        run = validate(path, cwd=tmp_path)
        assert run.returncode == 2, (path.name, run.stderr[-500:])
        assert path.name in run.stderr and "Traceback" not in run.stderr


def test_symlink_loops_do_not_hang(tmp_path: Path) -> None:
    """Row "A folder with symlink loops (`self -> .`, `parent -> ..`, `sub/back -> ../..`)"
    (PASS): no hang. Since the fix for the symlink leak, links that lead out of the folder
    (`parent`, `sub/back`) are named and not read (exit 2); with `--follow-symlinks` all the
    loops are walked once (exit 0); loops inside the folder are exit 0 either way."""
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    shutil.copy(FIXTURES / "good.ttl", data / "good.ttl")
    (data / "self").symlink_to(".")
    (data / "sub" / "up").symlink_to("..")
    inside = validate("data", cwd=tmp_path)
    assert inside.returncode == 0, inside.stderr
    (data / "parent").symlink_to("..")
    (data / "sub" / "back").symlink_to("../..")
    out = validate("data", cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    assert "a symbolic link that leads out of data/" in out.stderr
    followed = validate("--follow-symlinks", "data", cwd=tmp_path)
    assert followed.returncode == 0, followed.stderr


def test_dev_zero_does_not_hang(tmp_path: Path) -> None:
    """Row "A folder with a symlink to `/dev/zero`; `/dev/zero` named directly" (PASS): no hang
    (now exit 2 naming it as not a regular file; tests/reliability/test_validate_fifo_hangs.py
    has /dev/null and /dev/tty)."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURES / "good.ttl", data / "good.ttl")
    (data / "zero.ttl").symlink_to("/dev/zero")
    in_folder = validate("data", cwd=tmp_path)
    assert in_folder.returncode in (0, 2), in_folder.stderr
    named = validate("/dev/zero", cwd=tmp_path)
    assert named.returncode == 2 and "/dev/zero" in named.stderr
