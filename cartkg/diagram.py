"""A picture of the data model, drawn from the ontology itself.

Classes become boxes listing their datatype properties; subclass links are hollow arrows; each
object property is a labelled arrow from its domain to its range. Each class tree (a top-level
class with its subclasses) is drawn as one shaded cluster, so the areas of the model stand apart.

>>> dot = render_data_model(layout().ontology / "cartkg.ttl")
>>> dot.startswith("digraph cartkg {") and '"Hospital" -> "TreatmentCentre"' in dot
True
"""

from __future__ import annotations

import shutil
import subprocess
from collections import defaultdict
from html import escape
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SKOS
from rdflib.term import Node

from cartkg.errors import CartkgError
from cartkg.namespaces import CARTKG, PREFIXES
from cartkg.paths import layout

ANY = "any"  # stands for a missing domain or range: the property may be used on anything
_PALETTE = ["#eef4fb", "#fdf3e7", "#eef8ee", "#f6eef8", "#fbf9e6", "#eaf6f6", "#f8ecec"]


def _load(ontology_path: Path | str) -> Graph:
    try:
        return Graph().parse(str(ontology_path), format="turtle")
    except (OSError, SyntaxError, ValueError) as err:
        raise CartkgError(f"{ontology_path}: cannot read the ontology: {err}") from err


def _local(iri: Node) -> str:
    text = str(iri)
    if text.startswith(str(CARTKG)):
        return text[len(str(CARTKG)) :]
    for prefix, namespace in [*PREFIXES.items(), ("qudt", "http://qudt.org/schema/qudt/")]:
        if text.startswith(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    return text


class _Model:
    """The classes, hierarchy and properties of an ontology graph, in drawing order."""

    def __init__(self, g: Graph) -> None:
        self.g = g
        self.classes = sorted(
            c for c in g.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef) and _ours(c)
        )
        self.parents = {c: self._parents(c) for c in self.classes}

    def is_defined(self, c: Node) -> bool:
        """Defined by an intersection (filled by the reasoner), not merely enumerated."""
        return any(self._intersection(eq) for eq in self.g.objects(c, OWL.equivalentClass))

    def label(self, c: Node) -> str:
        value = self.g.value(c, RDFS.label)
        return str(value) if value is not None else _local(c)

    def members(self, node: Node | None) -> list[Node]:
        if node is None:
            return [URIRef(ANY)]
        union = self.g.value(node, OWL.unionOf)
        return list(Collection(self.g, union)) if union is not None else [node]

    def _parents(self, c: URIRef) -> list[URIRef]:
        """Named cartkg superclasses; for a defined class, the named classes it refines."""
        found = [p for p in self.g.objects(c, RDFS.subClassOf) if isinstance(p, URIRef)]
        for eq in self.g.objects(c, OWL.equivalentClass):
            found += [p for p in self._intersection(eq) if isinstance(p, URIRef)]
        return sorted({p for p in found if _ours(p) and p != c})

    def _intersection(self, node: Node) -> list[Node]:
        parts = self.g.value(node, OWL.intersectionOf)
        return list(Collection(self.g, parts)) if parts is not None else []

    def root(self, c: URIRef) -> URIRef:
        seen = {c}
        while self.parents.get(c) and self.parents[c][0] not in seen:
            c = self.parents[c][0]
            seen.add(c)
        return c

    def datatype_properties(self) -> dict[Node, list[tuple[str, str]]]:
        """For each domain class, its datatype properties as (label, range) pairs."""
        rows: dict[Node, list[tuple[str, str]]] = defaultdict(list)
        for p in sorted(self.g.subjects(RDF.type, OWL.DatatypeProperty), key=str):
            if not _ours(p):
                continue
            rng = self.g.value(p, RDFS.range)
            for d in self.members(self.g.value(p, RDFS.domain)):
                rows[d].append((self.label(p), _local(rng) if rng is not None else "literal"))
        return rows

    def object_properties(self) -> list[tuple[Node, Node, str]]:
        """(domain, range, label) for every object property, one edge per union member."""
        edges = []
        for p in sorted(self.g.subjects(RDF.type, OWL.ObjectProperty), key=str):
            if not _ours(p):
                continue
            for d in self.members(self.g.value(p, RDFS.domain)):
                for r in self.members(self.g.value(p, RDFS.range)):
                    edges.append((d, r, self.label(p)))
        return edges


def _ours(iri: Node) -> bool:
    return isinstance(iri, URIRef) and str(iri).startswith(str(CARTKG))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _node(model: _Model, c: Node, fields: list[tuple[str, str]]) -> str:
    defined = model.is_defined(c)
    title = escape(model.label(c)) + (" (defined)" if defined else "")
    rows = "".join(
        f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9">{escape(name)}: {escape(rng)}</FONT></TD></TR>'
        for name, rng in fields
    )
    html = f'<<TABLE BORDER="0" CELLSPACING="0"><TR><TD><B>{title}</B></TD></TR>{rows}</TABLE>>'
    tip = model.g.value(c, SKOS.definition)
    style = '"rounded,filled,dashed"' if defined else '"rounded,filled"'
    attrs = f"label={html}, style={style}"
    if tip is not None:
        attrs += f", tooltip={_quote(str(tip))}"
    return f"    {_quote(_local(c))} [{attrs}];"


def render_data_model(ontology_path: Path | str) -> str:
    """The data model of the ontology at `ontology_path` as Graphviz DOT."""
    model = _Model(_load(ontology_path))
    fields = model.datatype_properties()
    edges = model.object_properties()

    trees: dict[URIRef, list[URIRef]] = defaultdict(list)
    for c in model.classes:
        trees[model.root(c)].append(c)

    out = [
        "digraph cartkg {",
        '    graph [rankdir=LR, fontname="Helvetica", nodesep=0.25, ranksep=0.9, '
        'label="cartkg data model (generated from ontology/cartkg.ttl)", labelloc=t];',
        '    node [shape=box, fontname="Helvetica", fontsize=11, fillcolor=white];',
        '    edge [fontname="Helvetica", fontsize=9];',
    ]
    for i, (root, members) in enumerate(sorted(trees.items())):
        if len(members) == 1:
            out.append(_node(model, root, fields.get(root, [])))
            continue
        out.append(f"    subgraph {_quote('cluster_' + _local(root))} {{")
        colour = _PALETTE[i % len(_PALETTE)]
        out.append(
            f'        style="rounded,filled"; color="{colour}"; label={_quote(model.label(root))};'
        )
        out += ["    " + _node(model, c, fields.get(c, [])) for c in members]
        out.append("    }")

    known = set(model.classes)
    for extra in sorted({n for d, r, _ in edges for n in (d, r)} - known, key=str):
        shape = "ellipse" if str(extra) == ANY else "note"
        out.append(f"    {_quote(_local(extra))} [shape={shape}, style=dashed];")

    for c in model.classes:
        for p in model.parents[c]:
            dashed = ", style=dashed" if model.is_defined(c) else ""
            out.append(
                f"    {_quote(_local(c))} -> {_quote(_local(p))} "
                f"[arrowhead=empty, color=gray45{dashed}];"
            )
    for d, r, label in edges:
        out.append(
            f"    {_quote(_local(d))} -> {_quote(_local(r))} "
            f'[label={_quote(label)}, color="#2f6db5", fontcolor="#2f6db5"];'
        )
    out.append("}")
    return "\n".join(out) + "\n"


def main_diagram(out: Path | None = None) -> Path:
    """Write the data model as SVG to `out` (default ontology/data-model.svg), with its DOT
    source beside it; needs Graphviz's `dot`."""
    where = layout()
    out = out or where.ontology / "data-model.svg"
    dot = shutil.which("dot")
    if dot is None:
        raise CartkgError(
            "cartkg diagram needs Graphviz's `dot` program: install it "
            "(apt-get install graphviz, brew install graphviz) and run again"
        )
    source = render_data_model(where.ontology / "cartkg.ttl")
    out.with_suffix(".dot").write_text(source, encoding="utf-8")
    done = subprocess.run(
        [dot, "-Tsvg", "-o", str(out)], input=source, text=True, capture_output=True, check=False
    )
    if done.returncode != 0:
        raise CartkgError(f"dot failed writing {out}: {done.stderr.strip()}")
    return out
