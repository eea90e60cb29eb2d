"""Validation reports for people and for CI systems: text, JSON, JUnit XML, SARIF 2.1.0 and
GitHub Actions annotations.

Every format gets the same three things: the report, a `Where` that says in which file and on
which line a result's focus node is stated (when that can be known), and the severity from which
a result fails the run (`--fail-on`). A failing result is an error in SARIF and GitHub whatever
its severity; the others keep theirs (warning, note/notice).

>>> from cartkg.report import Result
>>> r = Result("Warning", "kg:x", "rdfs:label", '" x"@en', "cks:LabelShape",
...            "sh:PatternConstraintComponent", "Stray whitespace.")
>>> print(render("github", Report(False, [r]), lambda _: Location(Path("d.ttl"), 3)), end="")
::warning file=d.ttl,line=3,title=Warning cks%3ALabelShape::kg:x: Stray whitespace. (value " x"@en)
"""

from __future__ import annotations

import functools
import json
import os
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import groupby
from pathlib import Path
from typing import Any, NamedTuple

from cartkg import __version__
from cartkg.namespaces import PREFIXES
from cartkg.rdffiles import Location
from cartkg.report import Report, Result

FORMATS = ("text", "json", "junit", "sarif", "github")
SEVERITIES = ("Info", "Warning", "Violation")  # in increasing order
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_SARIF_LEVEL = {"fails": "error", "Warning": "warning", "Info": "note"}
_GITHUB_COMMAND = {"fails": "error", "Warning": "warning", "Info": "notice"}
_NAMESPACES = {**PREFIXES, "cks": "https://w3id.org/cartkg/shapes/"}

Where = Callable[[Result], Location | None]


# ---- the fields of a result ----------------------------------------------------------------
# Report fields are text already: CURIEs with the project's prefixes, <IRI>, _:blank, or a
# literal in N3.


def compact(text: str | None) -> str:
    """A field as it is shown: an `<IRI>` in a known namespace becomes a CURIE.

    >>> compact("<https://w3id.org/cartkg/shapes/TherapyShape>")
    'cks:TherapyShape'
    >>> compact(None), compact('"x"@en')
    ('', '"x"@en')
    """
    if not text:
        return ""
    if text.startswith("<") and text.endswith(">"):
        return _compact_iri(text)
    return text


@functools.lru_cache(maxsize=1024)  # a report names the same few shapes thousands of times
def _compact_iri(text: str) -> str:
    for prefix, namespace in _NAMESPACES.items():
        if text.startswith(namespace, 1) and len(text) > len(namespace) + 2:
            return f"{prefix}:{text[len(namespace) + 1 : -1]}"
    return text


def iri(text: str | None) -> str | None:
    """The full IRI of a field that names one (`<IRI>` or a CURIE), else None.

    >>> iri("kg:cd19"), iri("_:b0"), iri('"x"')
    ('https://w3id.org/cartkg/id/cd19', None, None)
    """
    if not text:
        return None
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    prefix, colon, local = text.partition(":")
    if colon and prefix in _NAMESPACES:
        return _NAMESPACES[prefix] + local
    return None


def severity_name(severity: str) -> str:
    """`Violation`, `Warning` or `Info`, whether given as an IRI, a CURIE or a name.

    >>> severity_name("http://www.w3.org/ns/shacl#Warning"), severity_name("sh:Info")
    ('Warning', 'Info')
    """
    if severity in SEVERITIES:  # as most are
        return severity
    for separator in ("#", "/", ":"):
        severity = severity.rsplit(separator, 1)[-1]
    return severity


def fails(result: Result, fail_on: str) -> bool:
    """Whether the result's severity is at or above the `--fail-on` threshold."""
    threshold = SEVERITIES.index(fail_on.capitalize())
    severity = severity_name(result.severity)
    return severity not in SEVERITIES or SEVERITIES.index(severity) >= threshold


def rule_id(result: Result) -> str:
    """What a result checks: its shape if named, else its constraint component and path."""
    if result.source_shape and not result.source_shape.startswith("_:"):
        return compact(result.source_shape)
    component = compact(result.constraint_component)
    return f"{component}({result.result_path})" if result.result_path else component


def _message(result: Result) -> str:
    return result.message or compact(result.constraint_component)


def display(path: Path) -> str:
    """A path relative to the working directory when it lies below it, with forward slashes.

    Symbolic links are not resolved: a file is shown by the name it was found under, not by
    where a link leads (which can be a file that is nobody's business).
    """
    return _relative(path, Path.cwd())


def _relative(path: Path, cwd: Path) -> str:
    try:
        return Path(os.path.abspath(path)).relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


class Place(NamedTuple):
    """A `Location` as a report shows it."""

    file: str  # see `display`
    line: int | None


def _places(where: Where) -> Callable[[Result], Place | None]:
    """`where`, each file displayed once per report rather than once per result: resolving a
    path costs system calls, and a report can name the same file 240k times."""
    cwd = Path.cwd()
    shown: dict[Path, str] = {}

    def place(result: Result) -> Place | None:
        location = where(result)
        if location is None:
            return None
        if location.file not in shown:
            shown[location.file] = _relative(location.file, cwd)
        return Place(shown[location.file], location.line)

    return place


def _at(place: Place | None) -> str:
    if place is None:
        return ""
    return place.file + (f":{place.line}" if place.line else "")


def _level(result: Result, fail_on: str, levels: Mapping[str, str]) -> str:
    if fails(result, fail_on):
        return levels["fails"]
    return levels.get(severity_name(result.severity), levels["Info"])


def _ordered(report: Report) -> list[Result]:
    """By rule, focus node, path and value; then by what tells results apart in the report, so
    that the order never rests on the order they came in (which can follow blank node labels,
    new on every run)."""
    return sorted(report.results, key=_order)


def _order(r: Result) -> tuple[str, ...]:
    where = (rule_id(r), compact(r.focus_node), r.result_path or "", r.value or "")
    return (*where, r.severity, r.constraint_component, r.message)


def summary(report: Report, fail_on: str) -> str:
    """One line: the verdict under `--fail-on` and the counts per severity."""
    counts = Counter(severity_name(r.severity) for r in report.results)
    verdict = "FAILED" if any(fails(r, fail_on) for r in report.results) else "passed"
    listed = ", ".join(_count(counts[s], s.lower()) for s in reversed(SEVERITIES))
    return f"{verdict}: {listed} (failing on {fail_on.lower()} and above)"


def _count(n: int, noun: str) -> str:
    """
    >>> _count(1, "violation"), _count(3, "warning"), _count(2, "info")
    ('1 violation', '3 warnings', '2 info')
    """
    return f"{n} {noun}{'s' if n != 1 and noun != 'info' else ''}"


# ---- formats -------------------------------------------------------------------------------
# Each format comes in pieces, to be written as they come: a report on a big file runs to
# hundreds of MB, which would otherwise be held as one string too.


def text(report: Report, where: Where, fail_on: str) -> Iterator[str]:
    """Grouped by shape, then by focus node; each result with its message, path and value."""
    where_is = _places(where)
    for shape, in_shape in groupby(_ordered(report), key=rule_id):
        results = list(in_shape)
        yield f"{shape}  ({len(results)} result{'s' * (len(results) != 1)})\n"
        for focus, at_focus in groupby(results, key=lambda r: compact(r.focus_node)):
            group = list(at_focus)
            place = _at(where_is(group[0]))
            yield f"  {focus}" + (f"  ({place})" if place else "") + "\n"
            for result in group:
                yield f"    {severity_name(result.severity)}: {_message(result)}\n"
                details = [
                    f"path {compact(result.result_path)}" if result.result_path else "",
                    f"value {compact(result.value)}" if result.value is not None else "",
                    f"[{compact(result.constraint_component)}]",
                ]
                yield "      " + "  ".join(d for d in details if d) + "\n"
        yield "\n"
    yield summary(report, fail_on) + "\n"


def as_json(report: Report, where: Where, fail_on: str) -> Iterator[str]:
    """The results with their file and line; `prefixes` expands the CURIEs."""
    where_is = _places(where)

    def row(result: Result) -> dict[str, Any]:
        place = where_is(result)
        return {
            "severity": severity_name(result.severity),
            "fails": fails(result, fail_on),
            "focusNode": compact(result.focus_node),
            "resultPath": result.result_path,
            "value": compact(result.value) if result.value is not None else None,
            "sourceShape": compact(result.source_shape) or None,
            "constraintComponent": compact(result.constraint_component),
            "message": result.message,
            "file": place.file if place else None,
            "line": place.line if place else None,
        }

    counts = Counter(severity_name(r.severity) for r in report.results)
    document = {
        "conforms": report.conforms,
        "failOn": fail_on.lower(),
        "failed": any(fails(r, fail_on) for r in report.results),
        "counts": {s: counts[s] for s in reversed(SEVERITIES)},
        "results": [row(r) for r in _ordered(report)],
        "prefixes": _NAMESPACES,
    }
    return _json(document)


def _json(document: Any) -> Iterator[str]:
    """`json.dumps(document, indent=2, ensure_ascii=False)` and a line break, in pieces."""
    yield from json.JSONEncoder(indent=2, ensure_ascii=False).iterencode(document)
    yield "\n"


def junit(report: Report, where: Where, fail_on: str) -> Iterator[str]:
    """One test suite per shape, one test case per result; failing results carry <failure>,
    the others their details in <system-out>. A clean run is one passing test case."""
    ordered, where_is = _ordered(report), _places(where)
    root = ET.Element("testsuites", name="cartkg")
    if not ordered:
        suite = ET.SubElement(root, "testsuite", name="cartkg", tests="1", failures="0", errors="0")
        ET.SubElement(suite, "testcase", name="conforms", classname="cartkg")
    for shape, in_shape in groupby(ordered, key=rule_id):
        results = list(in_shape)
        suite = ET.SubElement(root, "testsuite", name=shape, tests=str(len(results)),
                              failures=str(sum(fails(r, fail_on) for r in results)),
                              errors="0", skipped="0")  # fmt: skip
        for result in results:
            name = " ".join(filter(None, [compact(result.focus_node), result.result_path]))
            case = ET.SubElement(suite, "testcase", name=name, classname=shape)
            place = where_is(result)
            if place:
                case.set("file", place.file)
                if place.line:
                    case.set("line", str(place.line))
            if fails(result, fail_on):
                failure = ET.SubElement(case, "failure", message=_message(result),
                                        type=severity_name(result.severity))  # fmt: skip
                failure.text = _details(result, place)
            else:
                ET.SubElement(case, "system-out").text = _details(result, place)
    root.set("tests", str(max(len(ordered), 1)))
    root.set("failures", str(sum(fails(r, fail_on) for r in ordered)))
    root.set("errors", "0")
    ET.indent(root)
    # One piece: ElementTree.write to the stream would declare the stream's encoding.
    yield ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _details(result: Result, place: Place | None) -> str:
    lines = [
        f"{severity_name(result.severity)}: {_message(result)}",
        f"focus node: {compact(result.focus_node)}",
        f"path: {result.result_path}" if result.result_path else "",
        f"value: {compact(result.value)}" if result.value is not None else "",
        f"shape: {compact(result.source_shape)}" if result.source_shape else "",
        f"constraint: {compact(result.constraint_component)}",
        f"at: {_at(place)}" if place else "",
    ]
    return "\n".join(line for line in lines if line)


def sarif(report: Report, where: Where, fail_on: str) -> Iterator[str]:
    """A SARIF 2.1.0 log with one run; the rules are the shapes (or components) that fired."""
    ordered, where_is = _ordered(report), _places(where)
    rules: dict[str, dict[str, Any]] = {}
    for result in ordered:
        rules.setdefault(rule_id(result), {
            "id": rule_id(result),
            "name": compact(result.constraint_component).rsplit(":", 1)[-1],
            "shortDescription": {"text": _message(result)},
            "helpUri": "https://www.w3.org/TR/shacl/",
        })  # fmt: skip
    index = {rule: i for i, rule in enumerate(rules)}
    return _json({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "cartkg",
                "version": __version__,
                "informationUri": "https://w3id.org/cartkg",
                "rules": list(rules.values()),
            }},
            "results": [_sarif_result(r, where_is(r), fail_on, index) for r in ordered],
        }],
    })  # fmt: skip


def _sarif_result(
    result: Result, place: Place | None, fail_on: str, index: Mapping[str, int]
) -> dict[str, Any]:
    location: dict[str, Any] = {
        "logicalLocations": [{"fullyQualifiedName": compact(result.focus_node), "kind": "resource"}]
    }
    if place:
        location["physicalLocation"] = {"artifactLocation": {"uri": place.file}}
        if place.line:
            location["physicalLocation"]["region"] = {"startLine": place.line}
    value = f", value {compact(result.value)}" if result.value is not None else ""
    return {
        "ruleId": rule_id(result),
        "ruleIndex": index[rule_id(result)],
        "level": _level(result, fail_on, _SARIF_LEVEL),
        "message": {"text": f"{_message(result)} (focus node {compact(result.focus_node)}{value})"},
        "locations": [location],
        "properties": {
            "severity": severity_name(result.severity),
            "focusNode": compact(result.focus_node),
            "resultPath": result.result_path,
            "value": compact(result.value) if result.value is not None else None,
            "sourceShape": compact(result.source_shape) or None,
            "constraintComponent": compact(result.constraint_component),
        },
    }


def github(report: Report, where: Where, fail_on: str) -> Iterator[str]:
    """GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` per result."""
    where_is = _places(where)
    for result in _ordered(report):
        place = where_is(result)
        props: dict[str, str] = {}
        if place:
            props["file"] = place.file
            if place.line:
                props["line"] = str(place.line)
        props["title"] = f"{severity_name(result.severity)} {rule_id(result)}"
        message = f"{compact(result.focus_node)}: {_message(result)}"
        if result.value is not None:
            message += f" (value {compact(result.value)})"
        yield annotation(_level(result, fail_on, _GITHUB_COMMAND), message, props) + "\n"


def annotation(command: str, message: str, props: Mapping[str, str]) -> str:
    """One GitHub Actions workflow command, escaped as the runner expects.

    >>> annotation("error", "50% done,\\nnext", {"file": "a.ttl", "line": "3"})
    '::error file=a.ttl,line=3::50%25 done,%0Anext'
    """
    listed = ",".join(f"{key}={_escape(value, prop=True)}" for key, value in props.items())
    return f"::{command} {listed}::{_escape(message, prop=False)}"


def _escape(value: str, *, prop: bool) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


RENDERERS: dict[str, Callable[[Report, Where, str], Iterable[str]]] = {
    "text": text,
    "json": as_json,
    "junit": junit,
    "sarif": sarif,
    "github": github,
}


def pieces(fmt: str, report: Report, where: Where, fail_on: str = "violation") -> Iterable[str]:
    """The report in format `fmt`, in pieces to write one after the other."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown report format {fmt!r}; known: {', '.join(FORMATS)}")
    return RENDERERS[fmt](report, where, fail_on)


def render(fmt: str, report: Report, where: Where, fail_on: str = "violation") -> str:
    """The report in format `fmt`, as one string."""
    return "".join(pieces(fmt, report, where, fail_on))
