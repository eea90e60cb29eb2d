"""OWL reasoning with HermiT (through owlready2): consistency, and inferred class memberships."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from rdflib import OWL, RDF, Graph, URIRef

from cartkg.errors import ReasonerError
from cartkg.namespaces import KG

JAVA_MISSING = (
    "the OWL reasoner needs Java, and no `java` command is on PATH: install it with "
    "`apt-get install default-jre-headless` (Debian/Ubuntu) or from https://adoptium.net, "
    "then run the command again"
)
_IGNORED = {OWL.Thing, OWL.NamedIndividual}


class Inconsistent(ReasonerError):
    """The ontology with the data is inconsistent, or has unsatisfiable classes."""


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise ReasonerError(JAVA_MISSING)
    return java


def infer_types(graph: Graph, classes: set[URIRef]) -> list[tuple[URIRef, URIRef, URIRef]]:
    """Check `graph` (ontology + data) is consistent; return the rdf:type triples it entails.

    Only memberships of curated individuals (`kg:` IRIs) in `classes` that are not asserted
    are returned: these are what the defined classes (e.g. CD19DirectedTherapy) add.
    """
    java = _java()
    import owlready2  # slow to import, and only needed here

    owlready2.JAVA_EXE = java
    with tempfile.TemporaryDirectory(prefix="cartkg-reasoner-") as tmp:
        path = Path(tmp) / "input.nt"
        clean = Graph()
        clean += (t for t in graph if t[1] != OWL.imports)  # owlready2 would fetch imports
        clean.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()  # a fresh world: nothing carries over between builds
        try:
            world.get_ontology(path.as_uri()).load()
            owlready2.sync_reasoner_hermit(
                world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
            )
            unsatisfiable = sorted(c.iri for c in world.inconsistent_classes())
            if unsatisfiable:
                raise Inconsistent(
                    "the ontology has unsatisfiable classes (no individual can belong to them): "
                    + ", ".join(unsatisfiable)
                )
            # Read the quadstore: owlready2's Python objects do not all show the new types.
            found = {
                (s, cls)
                for s, cls in world.as_rdflib_graph().subject_objects(RDF.type)
                if isinstance(s, URIRef) and s.startswith(str(KG)) and isinstance(cls, URIRef)
            }
        except owlready2.OwlReadyInconsistentOntologyError:
            raise Inconsistent(
                "HermiT finds the ontology and data inconsistent (owlready2: "
                "OwlReadyInconsistentOntologyError); look for an individual in two disjoint "
                "classes or a value outside a property's range"
            ) from None
        except owlready2.OwlReadyJavaError as err:
            raise ReasonerError(f"HermiT failed: {str(err).strip()[:2000]}") from None
        finally:
            world.close()
    return sorted(
        (s, RDF.type, cls)
        for s, cls in found
        if cls in classes and cls not in _IGNORED and (s, RDF.type, cls) not in graph
    )
