"""This endpoint against `oxigraph serve-read-only`, side by side, on the same store and queries.

    python bench/bench_endpoint.py [--release release] [--big bench/data/cart-1m.ttl]
                                   [--runs 20] [--seconds 3] [--clients 8]

For each data set the servers run at once, on the same on-disk store:

* oxigraph: `oxigraph serve-read-only` (PyPI `oxigraph`). The release's store is copied to
  bench/out/ with the union of its named graphs written into its default graph, so that both
  servers read the same default graph, each triple once;
* cartkg: `python -m cartkg.server` as `cartkg serve` runs it (gunicorn, 2 workers x 4 threads,
  a worker process per query, the response cache on);
* cartkg, no cache: the same with `--cache-entries 0`, so every request runs the query;
* cartkg, in memory, no cache: each query process holds the release in memory (`--in-memory`,
  the default for a small release without a union graph in its store); not for the big data.

The queries are the canned queries of queries/ (their defaults bound in a VALUES block, with
PREFIX lines, so that both servers get the very same text) and a few generic ones. For each
query: the median latency of `--runs` requests one after the other, then the throughput of
`--clients` threads sending it for `--seconds`. Both servers must give the same number of rows.

Goal: at least as fast as the Oxigraph server on every query.
"""

from __future__ import annotations

import argparse
import gc
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cartkg.canned import load_all, with_prologue  # noqa: E402
from cartkg.query import prefixes as endpoint_prefixes  # noqa: E402

OUT = ROOT / "bench" / "out"
ACCEPT = "application/sparql-results+json"
GENERIC = {
    "count_all": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "labels_100": "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?label LIMIT 100",
    "types_per_class": "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } "
    "GROUP BY ?class ORDER BY DESC(?n)",
    "one_entity": "SELECT ?p ?o WHERE { kg:cd19 ?p ?o }",
    "ask": "ASK { ?s a cartkg:CarTProduct }",
}


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(server: Server, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    host, port, path = target(server)
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} stopped while starting")
        try:
            status, _ = request(host, port, "ASK {}", path)
            if status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"no answer from {server.name} at {server.url}")


def start(name: str, command: list[str], port: int, path: str) -> Server:
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    server = Server(name, f"http://127.0.0.1:{port}{path}", process)
    try:
        wait_until_up(server)
    except BaseException:
        stop(server)
        raise
    return server


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(30)
    except subprocess.TimeoutExpired:
        server.process.kill()


def has_default_graph(store_dir: Path) -> bool:
    store = ox.Store.read_only(str(store_dir))
    found = next(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is not None
    del store
    gc.collect()
    return found


def start_servers(release: Path, timeout: int, in_memory: bool, servers: list[Server]) -> None:
    """Start the servers, appending each to `servers` (so that the caller can stop them)."""
    oxigraph = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or "oxigraph"
    port = free_port()
    command = [oxigraph, "serve-read-only", "--location", str(release / "store"),
               "--bind", f"127.0.0.1:{port}", "--timeout-s", str(timeout)]  # fmt: skip
    if not has_default_graph(release / "store"):
        command.append("--union-default-graph")
    servers.append(start("oxigraph", command, port, "/query"))
    variants = [
        ("cartkg", ["--on-disk"]),
        ("cartkg, no cache", ["--on-disk", "--cache-entries", "0"]),
    ]
    if in_memory:
        variants.append(("cartkg, in memory, no cache", ["--in-memory", "--cache-entries", "0"]))
    for name, extra in variants:
        port = free_port()
        command = [sys.executable, "-m", "cartkg.server", "--release", str(release),
                   "--port", str(port), "--workers", "2", "--threads", "4",
                   "--timeout", str(timeout), *extra]  # fmt: skip
        servers.append(start(name, command, port, "/sparql"))


def request(host: str, port: int, query: str, path: str = "/sparql",
            conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:  # fmt: skip
    own = conn is None
    conn = conn or http.client.HTTPConnection(host, port, timeout=120)
    try:
        conn.request("POST", path, body=urlencode({"query": query}),
                     headers={"Content-Type": "application/x-www-form-urlencoded",
                              "Accept": ACCEPT})  # fmt: skip
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


def target(server: Server) -> tuple[str, int, str]:
    host_port, _, path = server.url.split("//")[1].partition("/")
    host, port = host_port.split(":")
    return host, int(port), "/" + path


def rows(body: bytes) -> str:
    """The number of rows of a JSON result; a streamed result cut off by a timeout is not one."""
    try:
        data = json.loads(body)
    except ValueError:
        return "cut-off JSON"
    return str(len(data["results"]["bindings"]) if "results" in data else 1)


def latency(server: Server, query: str, runs: int) -> float:
    host, port, path = target(server)
    conn = http.client.HTTPConnection(host, port, timeout=120)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        status, _ = request(host, port, query, path, conn)
        # A failed request (a timeout, say) counts as never answered.
        times.append(time.perf_counter() - started if status == 200 else float("inf"))
    conn.close()
    return statistics.median(times) * 1000


def throughput(server: Server, query: str, clients: int, seconds: float) -> float:
    host, port, path = target(server)
    done = [0] * clients
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=120)
        while time.monotonic() < stop:
            status, _ = request(host, port, query, path, conn)
            if status == 200:
                done[i] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def bench_queries(prefixes: dict[str, str]) -> dict[str, str]:
    """Canned queries with their defaults bound in the text, then the generic ones."""
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items() if p in
                       ("rdf", "rdfs", "cartkg", "kg", "kgg", "skos", "dcterms", "schema",
                        "xsd", "prov", "owl"))  # fmt: skip
    out = {}
    for name, query in load_all(ROOT / "queries", prefixes).items():
        if query.form not in ("SELECT", "ASK") or any(
            p.required and p.default is None for p in query.parameters
        ):
            continue
        bound = query.bind({}, prefixes, substitute=False)
        out[name] = with_prologue(bound.query, prefixes)
    out.update({name: prologue + text for name, text in GENERIC.items()})
    return out


def with_union(release: Path) -> Path:
    """A copy of a release whose store's default graph holds the union of its named graphs
    (each triple once), so that both servers query the same default graph."""
    copy = OUT / f"{release.name}-union"
    marker = copy / "loaded"
    if marker.exists() and marker.read_text() == str((release / "store").stat().st_mtime):
        return copy
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(release, copy, ignore=shutil.ignore_patterns("LOCK"))
    store = ox.Store(str(copy / "store"))
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    store.flush()
    store.optimize()
    del store
    gc.collect()
    marker.write_text(str((release / "store").stat().st_mtime))
    return copy


def build_big(source: Path) -> Path:
    """A release-like folder with the big Turtle file loaded into the store's default graph."""
    release = OUT / f"release-{source.stem}"
    marker = release / "loaded"
    if marker.exists():
        return release
    shutil.rmtree(release, ignore_errors=True)
    release.mkdir(parents=True)
    print(f"loading {source} ...", file=sys.stderr)
    store = ox.Store(str(release / "store"))
    store.bulk_load(path=str(source), format=ox.RdfFormat.TURTLE)
    store.flush()
    store.optimize()
    del store
    gc.collect()
    marker.write_text("ok")
    return release


def measure(servers: list[Server], query: str, args: argparse.Namespace) -> list[str] | None:
    """Cells of one table row, or None when the servers disagree on the rows."""
    counts = set()
    slowest = 0.0
    for server in servers:
        host, port, path = target(server)
        started = time.perf_counter()
        status, body = request(host, port, query, path)
        slowest = max(slowest, time.perf_counter() - started)
        counts.add(rows(body) if status == 200 else f"HTTP {status}")
    if len(counts) != 1:
        return None
    (count,) = counts
    if not count.isdigit():
        return [count, *("-" for _ in servers * 2)]
    # A slow query gets fewer runs and no throughput test: the table must finish.
    runs = args.runs if slowest < 1 else max(3, min(args.runs, int(20 / slowest)))
    medians = [latency(s, query, runs) for s in servers]
    if slowest > 5:
        return [count, *(f"{m:.1f}" for m in medians), *("-" for _ in servers)]
    window = max(args.seconds, 3 * max(medians) / 1000)
    rates = [throughput(s, query, args.clients, window) for s in servers]
    return [count, *(f"{m:.1f}" for m in medians), *(f"{r:.0f}" for r in rates)]


def run(label: str, release: Path, args: argparse.Namespace, in_memory: bool) -> None:
    queries = bench_queries(endpoint_prefixes())
    servers: list[Server] = []
    try:
        start_servers(release, args.timeout, in_memory, servers)
        names = [s.name for s in servers]
        print(f"\n## {label}: {release}\n")
        header = ["query", "rows", *(f"{n} ms" for n in names), *(f"{n} req/s" for n in names)]
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        wins = measured = 0
        for name, query in queries.items():
            cells = measure(servers, query, args)
            if cells is None:
                print(f"| {name} | the servers disagree (rows, or a timeout) |", flush=True)
                continue
            if cells[1] != "-":
                measured += 1
                wins += float(cells[2]) <= float(cells[1])
            print("| " + " | ".join([name, *cells]) + " |", flush=True)
        print(f"\ncartkg's median latency is at most oxigraph's on {wins} of {measured} queries.")
    finally:
        for server in servers:
            stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", type=Path, default=ROOT / "release")
    parser.add_argument("--big", type=Path, default=ROOT / "bench" / "data" / "cart-1m.ttl")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--timeout", type=int, default=30)
    args = parser.parse_args()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    print(f"# cartkg endpoint vs oxigraph serve-read-only ({os.cpu_count()} CPUs, "
          f"{args.clients} clients, median of {args.runs} requests)")  # fmt: skip
    if (args.release / "store").is_dir():
        run("the project's release", with_union(args.release), args, in_memory=True)
    else:
        print(f"no release at {args.release}: run `cartkg build` first", file=sys.stderr)
    if args.big.is_file():
        # Each query process would hold a copy: no in-memory variant for the big data.
        run(f"{args.big.name}", build_big(args.big), args, in_memory=False)


if __name__ == "__main__":
    main()
