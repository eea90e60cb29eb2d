"""Terms as people see them on the pages: short names, links, resolvers for identifiers."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from cartkg.namespaces import BASE

from .formats import Term

XSD = "http://www.w3.org/2001/XMLSchema#"
_PLAIN = {XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}

#: Literal-valued identifier properties and the resolver their values open in.
RESOLVERS = {
    "https://w3id.org/cartkg/ontology/doi": "https://doi.org/{}",
    "https://w3id.org/cartkg/ontology/pubmedId": "https://pubmed.ncbi.nlm.nih.gov/{}/",
}


@dataclass(frozen=True)
class Shown:
    """A term ready for a template."""

    text: str
    href: str | None = None
    note: str = ""
    #: The IRI itself (for a title attribute), or "" for literals.
    iri: str = ""
    external: bool = False


def local_path(iri: str) -> str | None:
    """The server path of one of the graph's own IRIs (`/id/cd19`), else None.

    >>> local_path("https://w3id.org/cartkg/id/cd19")
    '/id/cd19'
    >>> local_path("http://purl.obolibrary.org/obo/MONDO_0007915") is None
    True
    """
    if iri.startswith(BASE) and len(iri) > len(BASE):
        return "/" + iri[len(BASE) :]
    return None


def web_link(iri: str) -> str | None:
    """The IRI as a link target if a browser should follow it (http or https), else None.

    >>> web_link("javascript:alert(1)") is None
    True
    """
    return iri if iri.lower().startswith(("http://", "https://")) else None


def compact(iri: str, prefixes: dict[str, str]) -> str:
    """`kg:cd19` for an IRI a prefix covers (the longest namespace wins), else the IRI.

    >>> compact("https://w3id.org/cartkg/id/cd19", {"kg": "https://w3id.org/cartkg/id/"})
    'kg:cd19'
    """
    best = ""
    name = iri
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace) and len(namespace) > len(best):
            local = iri[len(namespace) :]
            if local and all(c.isalnum() or c in "-_." for c in local):
                best, name = namespace, f"{prefix}:{local}"
    return name


def show(term: Term | None, prefixes: dict[str, str], label: str | None = None) -> Shown:
    if term is None:
        return Shown("")
    if isinstance(term, ox.NamedNode):
        iri = term.value
        path = local_path(iri)
        name = label or compact(iri, prefixes)
        return Shown(name, path or web_link(iri), iri=iri, external=path is None)
    if isinstance(term, ox.BlankNode):
        return Shown(f"_:{term.value}")
    if isinstance(term, ox.Literal):
        note = f"@{term.language}" if term.language else ""
        if not note and term.datatype.value not in _PLAIN:
            note = compact(term.datatype.value, prefixes)
        return Shown(term.value, note=note)
    return Shown(str(term))


def text(term: Term | None) -> str:
    """A term's value as a string ('' for an unbound variable)."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal):
        return term.value
    return str(term)


def identifier_link(curie: str) -> str:
    """Where a CURIE such as `MONDO:0007915` resolves: its scheme's IRI, else bioregistry."""
    from cartkg.errors import CartkgError
    from cartkg.prefixes import expand

    try:
        expanded = expand(curie)
    except CartkgError:
        return f"https://bioregistry.io/{curie}"
    return web_link(expanded) or f"https://bioregistry.io/{curie}"
