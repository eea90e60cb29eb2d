"""OWL reasoning with HermiT: consistency, unsatisfiable classes, inferred class memberships.

HermiT is the copy bundled with owlready2, run on its command line with only the tasks we
need: classify the classes (-c, which finds unsatisfiable ones) and find each individual's
types (-I). owlready2's `sync_reasoner` also classifies every object and data property, which
more than doubles HermiT's time on this graph and tells us nothing we use. Each run is a fresh
process on a fresh temporary file, so nothing carries over between builds. On Linux, the java
process is killed when the process that started it dies, even by SIGKILL.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from rdflib import OWL, RDF, Graph, URIRef

from cartkg.errors import ReasonerError
from cartkg.namespaces import KG

JAVA_MISSING = (
    "the OWL reasoner needs Java, and no `java` command is on PATH: install it with "
    "`apt-get install default-jre-headless` (Debian/Ubuntu) or from https://adoptium.net, "
    "then run the command again"
)
JAVA_MEMORY_MB = 2000
TIMEOUT_S = 900
_AXIOM = re.compile(r"^(SubClassOf|EquivalentClasses|Type)\( (.*) \)$")
_IRI = re.compile(r"<([^>]*)>")
_IGNORED = {OWL.Thing, OWL.NamedIndividual}
_PR_SET_PDEATHSIG = 1


class Inconsistent(ReasonerError):
    """The ontology with the data is inconsistent, or has unsatisfiable classes."""


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise ReasonerError(JAVA_MISSING)
    return java


def _hermit_classpath() -> str:
    spec = importlib.util.find_spec("owlready2")
    if spec is None or spec.origin is None:
        raise ReasonerError("the OWL reasoner HermiT comes with owlready2: `pip install owlready2`")
    hermit = Path(spec.origin).parent / "hermit"
    return f"{hermit}:{hermit / 'HermiT.jar'}"


def _dying_with_this_thread() -> Callable[[], None] | None:
    """A `preexec_fn` that has the kernel SIGKILL the child when this thread ends (Linux;
    strictly the thread, so the HermiT object must be used from the thread that made it)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None).prctl  # looked up here: the child only calls it
    parent = os.getpid()

    def in_child() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl
            os._exit(1)

    return in_child


class Hermit:
    """One HermiT run (classification -c, realisation -I) of a graph, in the background.

    Started on construction, so that the build can validate with SHACL while Java reasons;
    `output()` waits for it, `cancel()` stops it. Raises ReasonerError at once without Java.
    The input file goes in a temporary folder in `workdir` (default: the system's).
    """

    def __init__(self, graph: Graph, workdir: Path | None = None) -> None:
        command = [
            _java(),
            f"-Xmx{JAVA_MEMORY_MB}M",
            "-cp",
            _hermit_classpath(),
            "org.semanticweb.HermiT.cli.CommandLine",
            "-c",
            "-I",
            "--ignoreUnsupportedDatatypes",
        ]
        self._tmp = tempfile.TemporaryDirectory(prefix="cartkg-reasoner-", dir=workdir)
        path = Path(self._tmp.name) / "input.nt"
        clean = Graph()
        clean += (t for t in graph if t[1] != OWL.imports)  # HermiT would fetch the imports
        try:
            clean.serialize(path, format="nt", encoding="utf-8")
        except OSError as err:
            self._tmp.cleanup()
            raise ReasonerError(f"cannot write the reasoner's input {path}: {err}") from None
        self._process = subprocess.Popen(
            [*command, path.as_uri()],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_dying_with_this_thread(),
        )

    def output(self) -> str:
        """HermiT's inferences, in OWL functional syntax; raises Inconsistent/ReasonerError."""
        try:
            stdout, stderr = self._process.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise ReasonerError(f"HermiT did not finish within {TIMEOUT_S} s") from None
        finally:
            self.cancel()
        if self._process.returncode != 0:
            if "Inconsistent ontology" in stdout + stderr:
                raise Inconsistent(
                    "HermiT finds the ontology and data inconsistent; look for an individual in "
                    "two disjoint classes, or a value that breaks a property's range or a "
                    "restriction"
                )
            raise ReasonerError(f"HermiT failed: {(stderr or stdout).strip()[-2000:]}")
        return stdout

    def cancel(self) -> None:
        """Stop HermiT if it still runs, and remove its input file."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.communicate()
        self._tmp.cleanup()


def infer_types(graph: Graph, classes: set[URIRef]) -> list[tuple[URIRef, URIRef, URIRef]]:
    """Check `graph` (ontology + data) is consistent; return the rdf:type triples it entails.

    Only memberships of curated individuals (`kg:` IRIs) in `classes` that are not asserted
    are returned: these are what the defined classes (e.g. CD19DirectedTherapy) add. Raises
    Inconsistent, or ReasonerError when HermiT cannot run.
    """
    return inferred_types(Hermit(graph).output(), graph, classes)


def inferred_types(
    output: str, graph: Graph, classes: set[URIRef]
) -> list[tuple[URIRef, URIRef, URIRef]]:
    """The new rdf:type triples in HermiT's output (see `infer_types`)."""
    unsatisfiable: set[str] = set()
    found: set[tuple[URIRef, URIRef, URIRef]] = set()
    for line in output.splitlines():
        match = _AXIOM.match(line.strip())
        if match is None:
            continue
        kind, iris = match.group(1), _IRI.findall(match.group(2))
        if kind == "Type" and len(iris) == 2:
            subject, cls = URIRef(iris[0]), URIRef(iris[1])
            if subject.startswith(str(KG)) and cls in classes and cls not in _IGNORED:
                found.add((subject, RDF.type, cls))
        elif str(OWL.Nothing) in iris[1:] or (kind != "SubClassOf" and str(OWL.Nothing) in iris):
            unsatisfiable |= {iri for iri in iris if iri != str(OWL.Nothing)}
    if unsatisfiable:
        raise Inconsistent(
            "the ontology has unsatisfiable classes (no individual can belong to them): "
            + ", ".join(sorted(unsatisfiable))
        )
    return sorted(t for t in found if t not in graph)
