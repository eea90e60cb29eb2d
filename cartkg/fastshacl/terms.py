"""RDF terms between rdflib and pyoxigraph, keeping what SHACL looks at.

pyoxigraph's store canonicalises XSD literals: `"5"^^xsd:nonNegativeInteger` comes back as
`"5"^^xsd:integer` and `"1.50"^^xsd:decimal` as `"1.5"`. SHACL (and pySHACL) see the datatype
and the lexical form as written, so the XSD namespace goes into the store under an alias of the
same length (unknown to oxigraph, hence kept verbatim) and comes back out on the way to rdflib.
(Literals written without a datatype in Turtle, `5` or `true`, are moved under the alias
after loading: see `load.py`.)

>>> from rdflib import XSD
>>> five = Literal("05", datatype=XSD.nonNegativeInteger)
>>> store_term = to_ox(five)
>>> store_term.datatype.value == ALIAS_NS + "nonNegativeInteger"
True
>>> to_rdflib(store_term) == five
True
>>> sparql(Literal("a \\"b\\"", lang="en"))
'"a \\\\"b\\\\""@en'
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

XSD_NS = "http://www.w3.org/2001/XMLSchema#"
# Same length as XSD_NS, so that STRLEN and the like see the lengths as written.
ALIAS_NS = "urn:x-fastshacl:xml-schema-alias#"
assert len(ALIAS_NS) == len(XSD_NS)
# rdflib may rewrite an ill-typed literal into a valid-looking one ("none"^^xsd:boolean reads
# as "false"), keeping only a flag; such literals are stored under this prefix + datatype.
ILL_TYPED = "urn:x-fastshacl:ill-typed:"
XSD_STRING = XSD_NS + "string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal


def alias(text: str) -> str:
    return text.replace(XSD_NS, ALIAS_NS) if XSD_NS in text else text


def unalias(text: str) -> str:
    return text.replace(ALIAS_NS, XSD_NS) if ALIAS_NS in text else text


def to_ox(term: Node) -> OxTerm:
    """An rdflib term as it is stored (XSD namespace aliased)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(alias(str(term)))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        text = alias(str(term))
        if term.language:
            return ox.Literal(text, language=term.language)
        if term.datatype is None:
            return ox.Literal(text)
        datatype = alias(str(term.datatype))
        if term.ill_typed and not Literal(str(term), datatype=term.datatype).ill_typed:
            datatype = ILL_TYPED + datatype
        return ox.Literal(text, datatype=ox.NamedNode(datatype))
    raise TypeError(f"not an RDF term: {term!r}")


def to_rdflib(term: OxTerm) -> URIRef | BNode | Literal:
    """A stored term as rdflib (and hence pySHACL) would have parsed it."""
    if isinstance(term, ox.NamedNode):
        return URIRef(unalias(term.value))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    text = unalias(term.value)
    if term.language:
        return Literal(text, lang=term.language)
    datatype = term.datatype.value.removeprefix(ILL_TYPED)
    if datatype == XSD_STRING:  # a plain literal: rdflib keeps it apart from ^^xsd:string
        return Literal(text)
    return Literal(text, datatype=URIRef(unalias(datatype)))


@contextmanager
def quiet_rdflib() -> Iterator[None]:
    """rdflib logs a traceback for each ill-typed literal it reads; finding those is our job."""
    logger = logging.getLogger("rdflib.term")
    was = logger.disabled
    logger.disabled = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            yield
        finally:
            logger.disabled = was


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def sparql(term: Node) -> str:
    """A constant of the shapes graph in SPARQL syntax, as stored (see `spellings`)."""
    if isinstance(term, URIRef):
        return f"<{alias(str(term))}>"
    if isinstance(term, Literal):
        text = f'"{_escape(alias(str(term)))}"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is None:
            return text
        return f"{text}^^<{alias(str(term.datatype))}>"
    raise ValueError(f"a blank node cannot be a constant in a query: {term!r}")
