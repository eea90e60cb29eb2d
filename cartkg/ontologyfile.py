"""Read the terms of a downloaded ontology file (OBO, or OWL in RDF/XML or Turtle) and extract
a module: some terms and all their ancestors.

The OBO reader is deliberately small: it reads `[Term]` stanzas (`id`, `name`, `def`, `is_a`,
`is_obsolete`) and the `data-version` header, which is all a module needs. An `is_a` with a
`gci_` qualifier holds only in some context (a general class inclusion), so it is not a parent.

>>> terms, version = read_obo_text('data-version: x/1\\n[Term]\\nid: CL:1\\nname: cell\\n'
...     '[Term]\\nid: CL:2\\nname: "T" cell\\ndef: "A \\\\"T\\\\" cell." [X:1]\\n'
...     'is_a: CL:1 {is_inferred="true"} ! cell\\n')
>>> terms["CL:2"], version
(Term(id='CL:2', label='"T" cell', definition='A "T" cell.', parents=('CL:1',)), 'x/1')
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.exceptions import ParserError

from cartkg import prefixes
from cartkg.errors import CartkgError, SourceError

IAO_DEFINITION = URIRef("http://purl.obolibrary.org/obo/IAO_0000115")


@dataclass(frozen=True)
class Term:
    id: str
    label: str
    definition: str
    parents: tuple[str, ...]


def _unquote(value: str) -> str:
    """The text of an OBO quoted string (`"..." [xrefs]`), unescaped."""
    match = re.match(r'"((?:[^"\\]|\\.)*)"', value)
    text = match.group(1) if match else value
    return re.sub(r"\\(.)", r"\1", text)


def read_obo_text(text: str) -> tuple[dict[str, Term], str]:
    """Terms of an OBO document (obsolete ones left out) and its data-version."""
    version = ""
    terms: dict[str, Term] = {}
    stanza: str | None = None  # None: still in the header
    fields: dict[str, list[str]] = {}
    for line in [*text.splitlines(), "[End]"]:
        if line.startswith("["):
            if stanza == "Term" and "id" in fields and "true" not in fields.get("is_obsolete", []):
                term = _term(fields)
                terms[term.id] = term
            stanza, fields = line.strip("[] \t"), {}
            continue
        key, colon, value = line.partition(":")
        if not colon:
            continue
        if stanza is None and key == "data-version":
            version = value.strip()
        fields.setdefault(key.strip(), []).append(value.strip())
    return terms, version


def _term(fields: dict[str, list[str]]) -> Term:
    parents = tuple(v.split()[0] for v in fields.get("is_a", []) if v and "gci_" not in v)
    return Term(
        id=fields["id"][0],
        label=(fields.get("name") or [""])[0],
        definition=_unquote((fields.get("def") or [""])[0]),
        parents=parents,
    )


def read_owl(path: Path) -> tuple[dict[str, Term], str]:
    """Named classes of an OWL file (RDF/XML, or Turtle by extension), as CURIEs."""
    fmt = "turtle" if path.suffix in (".ttl", ".turtle") else "xml"
    graph = Graph()
    try:
        graph.parse(path, format=fmt)
    except (ParserError, SyntaxError, ValueError) as err:
        raise SourceError(f"cannot parse as OWL ({fmt}): {err}", file=str(path)) from None
    version = next((str(v) for v in graph.objects(None, OWL.versionIRI)), "")
    terms: dict[str, Term] = {}
    for cls in graph.subjects(RDF.type, OWL.Class):
        curie = prefixes.compress(str(cls)) if isinstance(cls, URIRef) else None
        if curie is None or (cls, OWL.deprecated, None) in graph:
            continue
        parents = sorted(
            p
            for parent in graph.objects(cls, RDFS.subClassOf)
            if isinstance(parent, URIRef) and (p := prefixes.compress(str(parent)))
        )
        terms[curie] = Term(
            id=curie,
            label=str(next(graph.objects(cls, RDFS.label), "")),
            definition=str(next(graph.objects(cls, IAO_DEFINITION), "")),
            parents=tuple(parents),
        )
    return terms, version


def read_terms(path: Path) -> tuple[dict[str, Term], str]:
    """Terms of an OBO or OWL file, by extension; CURIEs in the project's spelling."""
    if path.suffix == ".obo":
        try:
            terms, version = read_obo_text(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as err:
            raise SourceError(f"cannot read: {err}", file=str(path)) from None
        return {t.id: t for t in (_standard(t) for t in terms.values())}, version
    if path.suffix in (".owl", ".rdf", ".ttl", ".turtle"):
        return read_owl(path)
    raise SourceError("expected an .obo or .owl file", file=str(path))


def _standard(term: Term) -> Term:
    """A term with its CURIEs in the project's spelling where the prefix is known."""

    def fix(curie: str) -> str:
        try:
            return prefixes.standardize(curie)
        except CartkgError:
            return curie

    return Term(fix(term.id), term.label, term.definition, tuple(fix(p) for p in term.parents))


def extract(terms: dict[str, Term], wanted: Iterable[str], stop: Iterable[str] = ()) -> list[Term]:
    """The wanted terms and all their ancestors, climbing no higher than the `stop` terms.

    A parent that the file does not define (an import left out of it) ends the climb there.
    """
    stops = set(stop)
    missing = [w for w in wanted if w not in terms]
    if missing:
        raise CartkgError(f"not in the ontology file: {', '.join(missing)}")
    found: dict[str, Term] = {}
    todo = list(wanted)
    while todo:
        term = terms[todo.pop()]
        if term.id in found:
            continue
        parents = () if term.id in stops else tuple(p for p in term.parents if p in terms)
        found[term.id] = Term(term.id, term.label, term.definition, parents)
        todo += parents
    return sorted(found.values(), key=lambda t: t.id)
