"""The IRIs of the graph, in one place.

>>> str(KG["cd19"])
'https://w3id.org/cartkg/id/cd19'
>>> source_graph("source-000")
'https://w3id.org/cartkg/graph/source-000'
"""

from __future__ import annotations

from rdflib import Namespace

BASE = "https://w3id.org/cartkg/"
ONTOLOGY_IRI = BASE + "ontology"

#: Ontology terms (classes, properties, controlled values).
CARTKG = Namespace(BASE + "ontology/")
#: Curated entities, sources, assertions and value nodes.
KG = Namespace(BASE + "id/")
#: Named graphs.
GRAPH = Namespace(BASE + "graph/")

CURATION_GRAPH = GRAPH["curation"]
MAPPINGS_GRAPH = GRAPH["mappings"]
ONTOLOGY_GRAPH = GRAPH["ontology"]
INFERRED_GRAPH = GRAPH["inferred"]
PROVENANCE_GRAPH = GRAPH["provenance"]

PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("https://schema.org/")
QUDT_UNIT = Namespace("http://qudt.org/vocab/unit/")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
TIME = Namespace("http://www.w3.org/2006/time#")

#: Prefixes every query may use without declaring them.
PREFIXES: dict[str, str] = {
    "cartkg": str(CARTKG),
    "kg": str(KG),
    "kgg": str(GRAPH),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": str(PROV),
    "schema": str(SCHEMA),
    "unit": str(QUDT_UNIT),
    "void": str(VOID),
    "sh": "http://www.w3.org/ns/shacl#",
    "time": str(TIME),
}


def source_graph(source_id: str) -> str:
    """The named graph holding what one source document states."""
    return str(GRAPH[source_id])
