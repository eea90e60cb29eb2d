"""The safety scan reads queries as pyoxigraph does (issue 9; reliability review 2026-12,
failure 1). A differential corpus: queries on which rdflib's grammar, or a naive scanner,
disagrees with pyoxigraph about where comments, strings, IRIs and names end. pyoxigraph runs
each one against a canary on 127.0.0.1; the scan must find exactly the endpoints that
pyoxigraph contacted (the outermost ones: pyoxigraph leaves a nested SERVICE to the remote)."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest

sys.path.insert(0, str(Path(__file__).parent / "reliability"))
from netcanary import Canary

from cartkg.server.safety import services
from cartkg.sparqllex import tokens

CORPUS = {
    "comment ended by CR": "SELECT * {{\n# x\rSERVICE <{u}/cr> {{}}\n}}",
    "comment ended by CRLF": "SELECT * {{ # SERVICE <{u}/no> {{}}\r\nSERVICE <{u}/crlf> {{}} }}",
    "escaped double quote": (
        'SELECT * {{ BIND("\\u0022" AS ?x) SERVICE <{u}/q2> {{}} BIND("\\u0022" AS ?y) }}'
    ),
    "escaped single quote": (
        "SELECT * {{ BIND('\\u0027' AS ?x) SERVICE <{u}/q1> {{}} BIND('\\u0027' AS ?y) }}"
    ),
    "long escape": (
        'SELECT * {{ BIND("\\U00000022" AS ?x) SERVICE <{u}/q8> {{}} BIND("\\U00000022" AS ?y) }}'
    ),
    "escaped triple quote": (
        "SELECT * {{ BIND('''x\\u0027\\u0027\\u0027 SERVICE <{u}/no> {{}} ''' AS ?x) }}"
    ),
    "escaped backslash": 'SELECT * {{ BIND("a\\\\" AS ?x) SERVICE <{u}/bs> {{}} BIND("b" AS ?y) }}',
    "long string left open": (
        'SELECT * {{ VALUES (?x ?y) {{ ("""b") }} SERVICE <{u}/open> {{}} }}'
    ),
    "long string stopped by a bad escape": (
        'PREFIX e: <{u}/> SELECT * {{ VALUES (?m ?o) {{ ("""b") }} SERVICE e:h\\#x {{}}'
        ' VALUES (?n ?p) {{ ("""c") }} }}'
    ),
    "service in a string": 'SELECT * {{ BIND("SERVICE <{u}/no> {{}}" AS ?x) }}',
    "quotes in a long string": (
        'SELECT * {{ BIND("""a"b""c SERVICE <{u}/no> {{}} """ AS ?x) SERVICE <{u}/long> {{}} }}'
    ),
    "service in a comment": "SELECT * {{ # SERVICE <{u}/no> {{}}\n SERVICE <{u}/after> {{}} }}",
    "less-than then comment": "PREFIX e: <{u}/> SELECT * {{ FILTER(?a<?b)SERVICEe:lt#>\n{{}} }}",
    "less-than in a triple": "SELECT * {{ SERVICE <{u}/t> {{}} FILTER(1<2) }}",
    "escaped hash in a name": "PREFIX e: <{u}/> SELECT * {{ SERVICE e:hash\\#x {{}} }}",
    "escaped quote in a name": "PREFIX e: <{u}/> SELECT * {{ SERVICE e:it\\'s {{}} }}",
    "fragment in an IRI": "SELECT * {{ SERVICE <{u}/frag#x> {{}} }}",
    "escape in an IRI": "SELECT * {{ SERVICE <{u}/\\u0061bc> {{}} }}",
    "glued SILENT": "SELECT * {{ SERVICESILENT<{u}/silent> {{}} }}",
    "glued name": "PREFIX e: <{u}/> SELECT * {{ SERVICEe:glued {{}} }}",
    "glued PREFIX": "PREFIXe: <{u}/> SELECT * {{ SERVICE e:prefix {{}} }}",
    "relative to BASE": "BASE <{u}/base/> SELECT * {{ SERVICE <rel> {{}} }}",
    "two services": "SELECT * {{ SERVICE <{u}/one> {{}} SERVICE <{u}/two> {{}} }}",
    "nested": "SELECT * {{ SERVICE <{u}/outer> {{ SERVICE <{u}/inner> {{}} }} }}",
    "service variable name": "SELECT ?service {{ BIND(1 AS ?service) }}",
    "lower case": "select * {{ service <{u}/lower> {{}} }}",
}


def contacted(query: str, canary: Canary) -> set[str]:
    canary.paths.clear()
    try:
        result = ox.Store().query(query)
        if isinstance(result, ox.QuerySolutions):
            list(result)
    except (OSError, RuntimeError, SyntaxError) as err:
        pytest.fail(f"pyoxigraph did not run the corpus query: {err}")
    return set(canary.paths)


@pytest.mark.parametrize("name", CORPUS)
def test_scan_finds_what_pyoxigraph_contacts(name: str) -> None:
    with Canary() as canary:
        query = CORPUS[name].format(u=canary.url)
        seen = contacted(query, canary)
    found = {
        urlsplit(s.endpoint or "").path
        for s in services(query, {})
        if not s.nested and s.endpoint is not None
    }
    assert found == seen


def test_comparison_is_not_an_iri() -> None:
    kinds = [(t.kind, t.text) for t in tokens("ASK { FILTER(?a<?b)#>\r}")]
    assert ("punct", "<") in kinds and ("punct", "}") in kinds


def test_an_open_string_ends_the_scan() -> None:
    last = tokens('ASK { FILTER("abc\\" SERVICE <http://x/> {} }')[-1]
    assert last.kind == "error"  # pyoxigraph rejects the query: nothing after it runs


def _fragment(rng: random.Random, u: str, n: int) -> str:
    """One piece of a group pattern, picked to sit where grammars disagree."""
    end = rng.choice(["\n", "\r", "\r\n"])
    inner = rng.choice(
        ["\\u0022", "\\u0027", '\\"', "\\'", "\\\\", "\\#", "SERVICE <{u}/s{n}> {{}}", "#", "<"]
    ).format(u=u, n=n)
    quote = rng.choice(['"', "'", '"""', "'''"])
    return rng.choice(
        [
            f"SERVICE <{u}/p{n}> {{}}",
            f"SERVICE SILENT <{u}/q{n}> {{}}",
            f"# {inner} SERVICE <{u}/c{n}> {{}}{end}",
            f"BIND({quote}{inner}{quote} AS ?v{n})",
            f"BIND({quote}{inner} SERVICE <{u}/x{n}> {{}} {inner}{quote} AS ?w{n})",
            f"FILTER(1<2)#>{end}",
            f"FILTER(?v{n}<?w{n} || true)",
            "VALUES ?k { <urn:a#b> }",
            f"SERVICE e:n{n} {{}}",
            f"SERVICEe:g{n} {{}}",
            f"SERVICE e:h{n}\\#x {{}}",
            f"SERVICE e:it{n}\\'s {{}}",
            f"FILTER(?a<?b || true)SERVICEe:lt{n}#>{end}{{}}",
            f'VALUES (?m{n} ?o{n}) {{ ("""b") }}',
            f"BIND(<{u}/i{n}> AS ?i{n}) FILTER(?i{n}<<{u}/z> || true)",
            f'FILTER(STR(?i{n})<"#" || true)',
            f"OPTIONAL {{ ?s{n} <urn:p#{n}> ?o{n} }}",
            f"OPTIONAL {{ ?s{n} e:p\\#{n} ?o{n} }}",
            f'# "{inner}{end}',
            f"SERVICE <{u}/o{n}> {{ SERVICE <{u}/in{n}> {{}} }}",
        ]
    )


def test_random_corpus_agrees_with_pyoxigraph() -> None:
    """Seeded: queries made of the fragments above; wherever pyoxigraph runs the query, the
    endpoints it contacts are exactly those the scan finds."""
    rng = random.Random(20261203)
    ran = 0
    with Canary() as canary:
        for _ in range(600):
            parts = [_fragment(rng, canary.url, n) for n in range(rng.randint(1, 6))]
            space = rng.choice([" ", "\n", "\r"])
            query = f"PREFIX e: <{canary.url}/> SELECT * {{ {space.join(parts)} }}"
            canary.paths.clear()
            try:
                result = ox.Store().query(query)
                assert isinstance(result, ox.QuerySolutions)
                list(result)
            except (OSError, RuntimeError, SyntaxError):
                continue  # not run (or failed): nothing to compare
            ran += 1
            seen = {urlsplit(p).path for p in canary.paths}
            found = {urlsplit(s.endpoint or "").path for s in services(query, {}) if not s.nested}
            assert found == seen, query
    assert ran > 400  # most of the corpus is valid SPARQL
