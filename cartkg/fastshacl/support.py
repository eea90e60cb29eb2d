"""Which shapes the fast engine validates, and why the others go to pySHACL.

A shape with targets (a root) is validated fast when every shape it reaches (its property
shapes, and the shapes its sh:node, sh:not, sh:and, sh:or, sh:xone and qualified constraints
name) is modelled without an `unsupported` reason, no shape reaches itself, and it uses no
custom constraint component of the shapes graph.
"""

from __future__ import annotations

from rdflib.namespace import SH
from rdflib.term import Node

from cartkg.fastshacl.shapes import Shape, ShapeNode, ShapesModel


def plan(model: ShapesModel) -> dict[ShapeNode, str | None]:
    """Each root shape, with None when the fast engine takes it, else the reason it does not."""
    custom = _custom_parameters(model)
    return {root.node: _reason(model, root, custom) for root in model.roots()}


def _custom_parameters(model: ShapesModel) -> set[Node]:
    g = model.graph
    # Any node with sh:parameter declares a component, whatever class it is typed with.
    return {
        path
        for parameter in g.objects(None, SH.parameter)
        for path in g.objects(parameter, SH.path)
    }


def _reason(model: ShapesModel, root: Shape, custom: set[Node]) -> str | None:
    seen: set[ShapeNode] = set()
    stack: list[tuple[Shape, tuple[ShapeNode, ...]]] = [(root, ())]
    while stack:
        shape, trail = stack.pop()
        if shape.node in trail:
            return f"recursive shapes through {shape.node}"
        if shape.unsupported:
            return f"{shape.node}: {'; '.join(shape.unsupported)}"
        used = set(model.graph.predicates(shape.node)) & custom
        if used:
            return f"{shape.node}: custom constraint component ({', '.join(map(str, used))})"
        if shape.node in seen:
            continue
        seen.add(shape.node)
        stack.extend((model.shape(ref), (*trail, shape.node)) for ref in shape.references())
    return None
