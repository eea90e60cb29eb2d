"""Canned queries: SPARQL files whose `#+` YAML decorators and BASIL-named variables make them a
typed REST API, the way grlc reads them (so the same files work with grlc).

Decorators: `summary`, `description`, `tags`, `method`, `pagination`, `defaults`, `enumerate`
(grlc's `endpoint`, `endpoint_in_url` and `transform` are accepted and ignored).

Parameters are variables named after BASIL's convention: `?_name` is required, `?__name`
optional; a suffix types the value: `_iri`, `_number`, `_literal`/`_string`, an XSD type
(`_integer`, `_date`, ...), a two-letter language tag (`_en`), or `_prefix_datatype`
(`?_year_xsd_gYear`).

Values are bound as RDF terms, never pasted into the text: a projected variable by pyoxigraph's
substitution, any other by a VALUES block written from the typed term.

>>> q = parse_text("#+ summary: Things with a label\\nSELECT ?s WHERE { ?s rdfs:label ?_label_en }",
...                "labelled")
>>> q.parameters[0].name, q.parameters[0].lang, q.parameters[0].required
('label', 'en', True)
>>> print(q.bind({"label": 'x" } UNION { ?s ?p ?o } #'}).query)
#+ summary: Things with a label
SELECT ?s WHERE { VALUES ?_label_en { "x\\" } UNION { ?s ?p ?o } #"@en } ?s rdfs:label ?_label_en }
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from cartkg import decorators
from cartkg.errors import CartkgError, SourceError
from cartkg.sparqllex import Token, projection, prologue, query_form, tokens, where_group

Term = ox.NamedNode | ox.Literal

XSD = "http://www.w3.org/2001/XMLSchema#"
_DECORATORS = frozenset(
    {
        "summary",
        "description",
        "tags",
        "method",
        "pagination",
        "defaults",
        "enumerate",
        "endpoint",
        "endpoint_in_url",
        "transform",
    }
)
_BASIL = re.compile(
    r"(?P<required>_{1,2})(?P<name>[^_]+)_?(?P<type>[a-zA-Z0-9]+)?_?(?P<userdefined>[a-zA-Z0-9]+)?"
)
_TZ = r"(?:Z|[+-]\d\d:\d\d)?"
#: Lexical forms of the XSD types a parameter may have; other XSD types are not checked.
_LEXICAL = {
    "integer": r"[+-]?\d+",
    "int": r"[+-]?\d+",
    "long": r"[+-]?\d+",
    "nonNegativeInteger": r"\+?\d+",
    "positiveInteger": r"\+?0*[1-9]\d*",
    "decimal": r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)",
    "double": r"[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|INF)|NaN",
    "float": r"[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|INF)|NaN",
    "boolean": r"true|false|1|0",
    "date": rf"-?\d{{4,}}-\d\d-\d\d{_TZ}",
    "dateTime": rf"-?\d{{4,}}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?{_TZ}",
    "gYear": rf"-?\d{{4,}}{_TZ}",
    "gYearMonth": rf"-?\d{{4,}}-\d\d{_TZ}",
}
_XSD_TYPES = frozenset(
    {
        *_LEXICAL,
        "string",
        "anyURI",
        "time",
        "duration",
        "gMonth",
        "gDay",
        "short",
        "byte",
        "unsignedInt",
        "negativeInteger",
        "nonPositiveInteger",
    }
)
_NUMBER = re.compile(_LEXICAL["double"])
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


class ParameterError(CartkgError):
    """A request gave a parameter a value it cannot have; names the parameter."""

    def __init__(self, parameter: str, message: str) -> None:
        self.parameter = parameter
        super().__init__(f"parameter '{parameter}': {message}")


@dataclass(frozen=True)
class Parameter:
    name: str
    variable: str
    required: bool
    #: 'iri', 'number', 'string' (with a datatype or language, or plain)
    type: str
    datatype: str | None = None
    lang: str | None = None
    default: str | None = None
    #: Allowed values given in the decorators.
    enum: tuple[str, ...] = ()
    #: `enumerate` asks for the values found in the data.
    enumerate_from_data: bool = False

    @property
    def expected(self) -> str:
        """What a value must be, in words."""
        if self.type == "iri":
            return "an IRI (such as https://w3id.org/cartkg/id/cd19, or kg:cd19)"
        if self.type == "number":
            return "a number"
        if self.lang:
            return f"a text (in language '{self.lang}')"
        if self.datatype:
            short = self.datatype.removeprefix(XSD)
            return f"a value of type {'xsd:' + short if short != self.datatype else short}"
        return "a text"

    def term(self, value: str, prefixes: Mapping[str, str] | None = None) -> Term:
        """The RDF term for a value; ParameterError names the parameter and the expected type."""
        if self.enum and value not in self.enum:
            raise ParameterError(self.name, f"expected one of {', '.join(self.enum)}")
        if self.type == "iri":
            return self._iri(value, prefixes or {})
        if self.type == "number":
            if not _NUMBER.fullmatch(value.strip()):
                raise ParameterError(self.name, f"expected {self.expected}, got {value!r}")
            value = value.strip()
            kind = "integer" if re.fullmatch(_LEXICAL["integer"], value) else "decimal"
            if re.search("[eEIN]", value):
                kind = "double"
            return ox.Literal(value, datatype=ox.NamedNode(XSD + kind))
        if self.lang:
            return ox.Literal(value, language=self.lang)
        if self.datatype:
            pattern = _LEXICAL.get(self.datatype.removeprefix(XSD))
            if pattern and self.datatype.startswith(XSD) and not re.fullmatch(pattern, value):
                raise ParameterError(self.name, f"expected {self.expected}, got {value!r}")
            return ox.Literal(value, datatype=ox.NamedNode(self.datatype))
        return ox.Literal(value)

    def _iri(self, value: str, prefixes: Mapping[str, str]) -> ox.NamedNode:
        prefix, colon, local = value.partition(":")
        if colon and prefix in prefixes and not local.startswith("//"):
            value = prefixes[prefix] + local
        if not _SCHEME.match(value):
            raise ParameterError(self.name, f"expected {self.expected}, got {value!r}")
        try:
            return ox.NamedNode(value)
        except ValueError as err:
            raise ParameterError(self.name, f"expected {self.expected}: {err}") from None


@dataclass(frozen=True)
class Bound:
    """A canned query with its parameters bound: text plus pyoxigraph substitutions."""

    query: str
    substitutions: tuple[tuple[str, Term], ...]


@dataclass(frozen=True)
class CannedQuery:
    name: str
    text: str
    form: str
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    method: str = "GET"
    pagination: int | None = None
    parameters: tuple[Parameter, ...] = ()
    path: Path | None = None

    @property
    def sparql(self) -> str:
        """The query without its decorator lines."""
        lines = [line for line in self.text.splitlines() if not line.startswith("#+")]
        return "\n".join(lines).strip() + "\n"

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def bind(
        self,
        values: Mapping[str, str],
        prefixes: Mapping[str, str] | None = None,
        substitute: bool = True,
    ) -> Bound:
        """Bind request values (strings) to the parameters; ParameterError on a bad one.

        `substitute=False` binds every value in the text (a VALUES block), for endpoints
        other than this one.
        """
        known = {p.name for p in self.parameters}
        for name in values:
            if name not in known:
                takes = ", ".join(sorted(known)) or "no parameters"
                raise ParameterError(name, f"unknown parameter; this query takes {takes}")
        terms: dict[str, Term] = {}
        for p in self.parameters:
            value = values.get(p.name) or p.default
            if value:
                terms[p.variable] = p.term(value, prefixes)
            elif p.required:
                raise ParameterError(p.name, f"required: {p.expected}")
        toks = tokens(self.text)
        projected = projection(toks)
        substituted = {
            v: t for v, t in terms.items() if substitute and (projected is None or v in projected)
        }
        rest = {v: t for v, t in terms.items() if v not in substituted}
        query = _with_values(self.text, toks, rest) if rest else self.text
        return Bound(query, tuple(sorted(substituted.items())))

    def enumeration_query(self, parameter: Parameter) -> str | None:
        """A query for the distinct values the parameter's variable takes in the data."""
        toks = tokens(self.text)
        group = where_group(toks)
        if group is None:
            return None
        form = next(t for t in toks if t.keyword == self.form)
        body = self.text[toks[group[0]].start : toks[group[1]].end]
        var = "?" + parameter.variable
        return f"{self.text[: form.start]}SELECT DISTINCT {var} {body} ORDER BY {var} LIMIT 1000"

    def self_contained(self, prefixes: Mapping[str, str]) -> str:
        """The query with PREFIX lines for the prefixes it uses but does not declare."""
        return with_prologue(self.sparql, prefixes)


def with_prologue(query: str, prefixes: Mapping[str, str]) -> str:
    """A query with PREFIX lines for the prefixes it uses but does not declare.

    >>> with_prologue("SELECT * { ?s a kg:x }", {"kg": "urn:kg:", "rdf": "urn:rdf:"})
    'PREFIX kg: <urn:kg:>\\nSELECT * { ?s a kg:x }'
    """
    toks = tokens(query)
    _, declared = prologue(toks)
    used = dict.fromkeys(t.text.partition(":")[0] for t in toks if t.kind == "pname")
    lines = [f"PREFIX {p}: <{prefixes[p]}>" for p in used if p in prefixes and p not in declared]
    return "\n".join([*lines, query]) if lines else query


def _with_values(text: str, toks: list[Token], terms: Mapping[str, Term]) -> str:
    """The query with `VALUES (...) { (...) }` first in its WHERE group.

    First in the group, so the group's FILTERs see the values; nested groups (OPTIONAL, MINUS,
    subqueries) only see them where SPARQL's scoping joins them in. A sub-select that is the
    whole group is wrapped, since VALUES cannot precede it.
    """
    group = where_group(toks)
    if group is None:
        raise CartkgError("this query has no WHERE group to bind its parameters in")
    opening, closing = toks[group[0]], toks[group[1]]
    if len(terms) == 1:
        ((var, term),) = terms.items()
        values = f"VALUES ?{var} {{ {term} }}"
    else:
        names = " ".join(f"?{v}" for v in terms)
        values = f"VALUES ({names}) {{ ({' '.join(str(t) for t in terms.values())}) }}"
    body = text[opening.end : closing.start]
    if toks[group[0] + 1].keyword == "SELECT":
        body = f"{{{body}}}"
    return f"{text[: opening.end]} {values}{body}{text[closing.start :]}"


# ---- reading the files -------------------------------------------------------------------


def load_all(directory: Path, prefixes: Mapping[str, str] | None = None) -> dict[str, CannedQuery]:
    """Every `*.rq` file of a folder, by name (the file's stem)."""
    queries = {}
    for path in sorted(directory.glob("*.rq")):
        queries[path.stem] = load(path, prefixes)
    return queries


def load(path: Path, prefixes: Mapping[str, str] | None = None) -> CannedQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise SourceError(f"cannot read the query: {err}", file=str(path)) from None
    return parse_text(text, path.stem, path, prefixes)


def parse_text(
    text: str, name: str, path: Path | None = None, prefixes: Mapping[str, str] | None = None
) -> CannedQuery:
    """A canned query from its text; SourceError names the file and line of any mistake."""
    file = str(path) if path else name
    header = decorators.read(text, file)
    values, fail = header.values, header.error

    unknown = sorted(set(values) - _DECORATORS)
    if unknown:
        raise fail(
            f"unknown decorator {unknown[0]!r}; known: {', '.join(sorted(_DECORATORS))}", unknown[0]
        )
    toks = tokens(text)
    form = query_form(toks)
    if form not in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
        raise SourceError("not a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE)", file=file)
    _, declared = prologue(toks)
    parameters = _parameters(toks, {**(prefixes or {}), **declared}, file)
    try:
        parameters = _apply_defaults(parameters, values.get("defaults"), prefixes)
    except (CartkgError, ValueError) as err:
        raise fail(f"defaults: {err}", "defaults") from None
    try:
        parameters = _apply_enumerate(parameters, values.get("enumerate"))
    except ValueError as err:
        raise fail(f"enumerate: {err}", "enumerate") from None
    method = str(values.get("method", "GET")).upper()
    if method not in ("GET", "POST"):
        raise fail(f"method must be GET or POST, not {method}", "method")
    pagination = values.get("pagination")
    if pagination is not None and (not isinstance(pagination, int) or pagination < 1):
        raise fail(f"pagination must be a positive whole number, not {pagination!r}", "pagination")
    tags = values.get("tags", [])
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise fail("tags must be a list of words", "tags")
    projected = projection(toks)
    outside = [p for p in parameters if projected is not None and p.variable not in projected]
    if outside and where_group(toks) is None:
        raise SourceError("a parameter outside the projection needs a WHERE group", file=file)
    return CannedQuery(
        name=name,
        text=text,
        form=form,
        summary=str(values.get("summary", "")).strip(),
        description=str(values.get("description", "")).strip(),
        tags=tuple(tags),
        method=method,
        pagination=pagination,
        parameters=parameters,
        path=path,
    )


def _parameters(toks: list[Token], prefixes: Mapping[str, str], file: str) -> tuple[Parameter, ...]:
    found: dict[str, Parameter] = {}
    for tok in toks:
        match = _BASIL.fullmatch(tok.text[1:]) if tok.kind == "var" else None
        if match is None:
            continue
        variable = tok.text[1:]
        name = match["name"]
        if name in found:
            if found[name].variable != variable:
                raise SourceError(f"two variables give the parameter {name!r}", file=file)
            continue
        found[name] = _parameter(name, variable, match, prefixes, file)
    return tuple(found.values())


def _parameter(
    name: str, variable: str, match: re.Match[str], prefixes: Mapping[str, str], file: str
) -> Parameter:
    required = match["required"] == "_"
    kind, extra = match["type"], match["userdefined"]
    if kind in ("iri", "number"):
        return Parameter(name, variable, required, kind)
    if kind is None or kind in ("literal", "string"):
        return Parameter(name, variable, required, "string")
    if kind in _XSD_TYPES:
        return Parameter(name, variable, required, "string", datatype=XSD + kind)
    if len(kind) == 2 and extra is None:
        return Parameter(name, variable, required, "string", lang=kind)
    if extra is not None:
        if kind not in prefixes:
            raise SourceError(f"?{variable}: unknown prefix {kind!r} for the datatype", file=file)
        return Parameter(name, variable, required, "string", datatype=prefixes[kind] + extra)
    raise SourceError(f"?{variable}: unknown parameter type {kind!r}", file=file)


def _apply_defaults(
    parameters: tuple[Parameter, ...], defaults: Any, prefixes: Mapping[str, str] | None
) -> tuple[Parameter, ...]:
    out = {p.name: p for p in parameters}
    for key, value in _merge(defaults).items():
        p = _find(parameters, key)
        p.term(str(value), prefixes)  # a default must be a valid value
        out[p.name] = replace(p, default=str(value))
    return tuple(out.values())


def _apply_enumerate(parameters: tuple[Parameter, ...], enumerate_: Any) -> tuple[Parameter, ...]:
    if enumerate_ is None:
        return parameters
    if not isinstance(enumerate_, list):
        raise ValueError("expected a list of parameter names")
    out = {p.name: p for p in parameters}
    for item in enumerate_:
        for key, values in item.items() if isinstance(item, dict) else [(item, None)]:
            p = out[_find(parameters, str(key)).name]
            if values is None:
                out[p.name] = replace(p, enumerate_from_data=True)
            else:
                out[p.name] = replace(p, enum=tuple(str(v) for v in values))
    return tuple(out.values())


def _merge(value: Any) -> dict[str, Any]:
    """grlc writes these as a list of one-key mappings; a plain mapping is accepted too."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return {str(k): v for item in value for k, v in item.items()}
    raise ValueError("expected a list of `name: value` entries")


def _find(parameters: tuple[Parameter, ...], key: str) -> Parameter:
    """A parameter by API name or by variable name (`entity`, `_entity_iri`, `?_entity_iri`)."""
    key = key.lstrip("?$")
    for p in parameters:
        if key in (p.name, p.variable):
            return p
    raise ValueError(f"no parameter {key!r} in the query")
