"""Result formats: which exist, content negotiation, and writing results in each.

SELECT and ASK results are written here (SPARQL JSON, XML, CSV, TSV) rather than by pyoxigraph,
because the endpoint cuts results at a row cap and pages canned queries, which needs the rows
one by one. Graphs (CONSTRUCT, DESCRIBE, entity pages) are written by pyoxigraph.

>>> negotiate("text/csv;q=0.5, application/sparql-results+xml", SOLUTIONS).name
'xml'
>>> by_name("ttl", GRAPHS).media_type
'text/turtle'
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Row = Sequence[Term | None]

_W3C = "http://www.w3.org/ns/formats/"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    extension: str
    #: The format's IRI in http://www.w3.org/ns/formats/ (for the service description).
    w3c: str
    #: Other names for the `format` parameter, and other media types clients ask for.
    names: tuple[str, ...] = ()
    other_media_types: tuple[str, ...] = ()
    rdf: ox.RdfFormat | None = None

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.other_media_types)

    def content_type(self, media_type: str | None = None) -> str:
        chosen = media_type or self.media_type
        text = chosen.startswith("text/") or chosen.endswith(("json", "xml", "trig", "quads"))
        return f"{chosen}; charset=utf-8" if text or "triples" in chosen else chosen


SOLUTIONS: tuple[Format, ...] = (
    Format(
        "json",
        "application/sparql-results+json",
        "srj",
        _W3C + "SPARQL_Results_JSON",
        ("srj",),
        ("application/json",),
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        "srx",
        _W3C + "SPARQL_Results_XML",
        ("srx",),
        ("application/xml", "text/xml"),
    ),
    Format("csv", "text/csv", "csv", _W3C + "SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", "tsv", _W3C + "SPARQL_Results_TSV"),
)

GRAPHS: tuple[Format, ...] = (
    # Turtle is also valid N3, so it answers clients that ask for N3.
    Format(
        "turtle",
        "text/turtle",
        "ttl",
        _W3C + "Turtle",
        ("ttl", "n3"),
        ("application/x-turtle", "application/turtle", "text/n3", "text/rdf+n3"),
        ox.RdfFormat.TURTLE,
    ),
    Format(
        "ntriples",
        "application/n-triples",
        "nt",
        _W3C + "N-Triples",
        ("nt", "n-triples"),
        ("text/plain",),
        ox.RdfFormat.N_TRIPLES,
    ),
    Format(
        "rdfxml",
        "application/rdf+xml",
        "rdf",
        _W3C + "RDF_XML",
        ("rdf", "xml", "rdf+xml"),
        ("application/xml", "text/xml"),
        ox.RdfFormat.RDF_XML,
    ),
    Format(
        "jsonld",
        "application/ld+json",
        "jsonld",
        _W3C + "JSON-LD",
        ("json-ld", "json"),
        ("application/json",),
        ox.RdfFormat.JSON_LD,
    ),
    Format(
        "nquads", "application/n-quads", "nq", _W3C + "N-Quads", ("nq",), (), ox.RdfFormat.N_QUADS
    ),
    Format("trig", "application/trig", "trig", _W3C + "TriG", (), (), ox.RdfFormat.TRIG),
)

#: The formats a whole graph can be asked for in (no quads: an entity page is one graph).
TRIPLE_FORMATS = GRAPHS[:4]


class UnknownFormat(ValueError):
    """The `format` parameter names no format of the kind the result has."""


def by_name(name: str, formats: Sequence[Format]) -> Format:
    """The format a `format`/`output` parameter names (a short name or a media type)."""
    wanted = name.strip().lower()
    for fmt in formats:
        if wanted in (fmt.name, *fmt.names, *fmt.media_types):
            return fmt
    raise UnknownFormat(name)


def negotiate(accept: str | None, formats: Sequence[Format]) -> Format | None:
    """The best format for an Accept header (q-values honoured); None when none is acceptable.

    >>> negotiate(None, GRAPHS).name
    'turtle'
    >>> negotiate("image/png", SOLUTIONS) is None
    True
    """
    chosen = negotiate_media_type(accept, formats)
    return chosen[0] if chosen else None


def negotiate_media_type(
    accept: str | None, formats: Sequence[Format]
) -> tuple[Format, str] | None:
    """The best format and the media type the client named for it (e.g. application/json)."""
    return _negotiate(accept, tuple(formats))


@lru_cache(maxsize=1024)
def _negotiate(accept: str | None, formats: tuple[Format, ...]) -> tuple[Format, str] | None:
    # Clients send the same few Accept headers over and over; parsing one costs 0.1 ms.
    if not accept or not accept.strip():
        return formats[0], formats[0].media_type
    # Primary media types first: a wildcard should not pick an alias such as text/xml.
    offers = {fmt.media_type: fmt for fmt in formats}
    offers.update({media: fmt for fmt in formats for media in fmt.other_media_types})
    best = parse_accept_header(accept, MIMEAccept).best_match(list(offers))
    return (offers[best], best) if best else None


# ---- SELECT and ASK results -------------------------------------------------------------


def write_solutions(fmt: Format, variables: Sequence[str], rows: Iterable[Row]) -> bytes:
    writer = {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv}[fmt.name]
    return writer(variables, rows).encode("utf-8")


def write_boolean(fmt: Format, value: bool) -> bytes:
    word = "true" if value else "false"
    if fmt.name == "json":
        text = json.dumps({"head": {}, "boolean": value})
    elif fmt.name == "xml":
        text = f'<?xml version="1.0"?>\n<sparql xmlns="{_SRX}">\n<head/>\n'
        text += f"<boolean>{word}</boolean>\n</sparql>\n"
    elif fmt.name == "csv":
        text = f"_askResult\r\n{word}\r\n"
    else:
        text = f"?_askResult\n{word}\n"
    return text.encode("utf-8")


def term_json(term: Term) -> dict[str, Any]:
    """A term as SPARQL JSON results write it."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    parts = ("subject", "predicate", "object")
    return {"type": "triple", "value": {p: term_json(getattr(term, p)) for p in parts}}


def _json(variables: Sequence[str], rows: Iterable[Row]) -> str:
    cache: dict[Term, dict[str, Any]] = {}

    def cell(term: Term) -> dict[str, Any]:
        found = cache.get(term)
        if found is None:
            found = cache[term] = term_json(term)
        return found

    bindings = [
        {var: cell(term) for var, term in zip(variables, row, strict=True) if term is not None}
        for row in rows
    ]
    return json.dumps({"head": {"vars": list(variables)}, "results": {"bindings": bindings}})


_SRX = "http://www.w3.org/2005/sparql-results#"


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value == _XSD_STRING:
            return f"<literal>{escape(term.value)}</literal>"
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    inner = "".join(
        f"<{p}>{_xml_term(getattr(term, p))}</{p}>" for p in ("subject", "predicate", "object")
    )
    return f"<triple>{inner}</triple>"


def _xml(variables: Sequence[str], rows: Iterable[Row]) -> str:
    out = ['<?xml version="1.0"?>\n', f'<sparql xmlns="{_SRX}">\n<head>']
    out.extend(f"<variable name={quoteattr(v)}/>" for v in variables)
    out.append("</head>\n<results>\n")
    for row in rows:
        out.append("<result>")
        for var, term in zip(variables, row, strict=True):
            if term is not None:
                out.append(f"<binding name={quoteattr(var)}>{_xml_term(term)}</binding>")
        out.append("</result>\n")
    out.append("</results>\n</sparql>\n")
    return "".join(out)


def _csv_term(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def _csv(variables: Sequence[str], rows: Iterable[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(variables)
    writer.writerows([_csv_term(t) for t in row] for row in rows)
    return buffer.getvalue()


def _tsv(variables: Sequence[str], rows: Iterable[Row]) -> str:
    # A term's str() is its N-Triples form, which is what SPARQL TSV asks for.
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines.extend("\t".join("" if t is None else str(t) for t in row) for row in rows)
    return "\n".join(lines) + "\n"


# ---- graphs ------------------------------------------------------------------------------


def write_graph(fmt: Format, triples: Sequence[ox.Triple], prefixes: dict[str, str]) -> bytes:
    """Triples in an RDF format; quad formats put them in the default graph."""
    assert fmt.rdf is not None, fmt
    items: Sequence[ox.Triple] | list[ox.Quad] = triples
    if fmt.name in ("nquads", "trig"):
        items = [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
    used = _used_prefixes(triples, prefixes) if fmt.name not in ("ntriples", "nquads") else {}
    body = ox.serialize(items, format=fmt.rdf, prefixes=used)
    assert body is not None  # with no output given, serialize returns the bytes
    return body


def _used_prefixes(triples: Sequence[ox.Triple], prefixes: dict[str, str]) -> dict[str, str]:
    """Only the prefixes the triples need, so a small graph gets a short header."""
    iris = {
        term.value
        for t in triples
        for term in (t.subject, t.predicate, t.object)
        if isinstance(term, ox.NamedNode)
    }
    return {
        p: ns
        for p, ns in prefixes.items()
        if ns[-1] in "/#_" and any(i.startswith(ns) for i in iris)
    }
