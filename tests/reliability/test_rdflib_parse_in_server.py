"""Reliability review 2026-12, ranked failure 3: any query containing the letters "service" was
parsed by rdflib's pure-Python parser in the server process, about 0.2 s of CPU per KB under
one lock per process (8 x 140 KB stopped the service for 55 s).

Now the server's check reads every query with its own linear lexer: in a child process that
loads the whole server application, checking 140 KB that mention "service" takes well under a
second of CPU, and rdflib's SPARQL parser is never imported.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import sys, time
import cartkg.server.app  # everything the server process loads
from cartkg.server.safety import Refused, check
text = "# service\\n" + "ASK { ?service ?p 'service' . " + "?s ?p ?o . " * 13_000 + "}"
assert len(text) > 140_000
start = time.process_time()
for _ in range(8):
    check(text, allow_list=(), max_bytes=1_000_000)
print(time.process_time() - start, "rdflib.plugins.sparql.parser" in sys.modules)
"""


def test_service_mentions_are_not_parsed_by_rdflib() -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert child.returncode == 0, child.stderr
    seconds, imported = child.stdout.split()
    assert imported == "False", "rdflib's SPARQL parser was loaded in the server process"
    assert float(seconds) < 2.0, f"8 checks of 140 KB took {float(seconds):.1f} s of CPU"
