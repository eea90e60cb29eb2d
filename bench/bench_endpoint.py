"""This endpoint against `oxigraph serve-read-only`, side by side, on the same store and queries.

    python bench/bench_endpoint.py [--release release] [--big bench/data/cart-1m.ttl]
                                   [--runs 50] [--seconds 3] [--clients 8]

For each data set the servers run at once, on the same on-disk store:

* oxigraph: `oxigraph serve-read-only` (PyPI `oxigraph`). The release's store is copied to
  bench/out/ with the union of its named graphs written into its default graph, so that both
  servers read the same default graph, each triple once;
* cartkg: `python -m cartkg.server` as `cartkg serve` runs it (Granian, 2 workers x 4 threads,
  a worker process per query, the response cache on);
* cartkg, no cache: the same with `--cache-entries 0`, so every request runs the query;
* cartkg, in memory, no cache: each query process holds the release in memory (`--in-memory`,
  the default for a small release without a union graph in its store); not for the big data;
* floor: a WSGI application that answers every request with the same few bytes, served by
  Granian as cartkg is. No Python endpoint can answer faster; it shows how much of a small
  query's time is the cost of serving from Python at all.

The queries are the canned queries of queries/ (their defaults bound in a VALUES block, with
PREFIX lines, so that both servers get the very same text) and a few generic ones. For each
query: the median latency of `--runs` requests sent to the servers in turn (so that the load
of a shared machine falls on all of them alike), then the throughput of `--clients` threads
sending it, in rounds that alternate between the servers. Oxigraph and cartkg must give the
same number of rows.

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
from cartkg.prefixes import sparql_prefixes as endpoint_prefixes  # noqa: E402

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
    #: A reference that answers every query alike: its rows are not compared.
    reference: bool = False
    command: tuple[str, ...] = ()


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


def start(name: str, command: list[str], port: int, path: str, reference: bool = False) -> Server:
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / f"{name.replace(',', '').replace(' ', '-')}.log"  # where a crash can be read
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT)
    server = Server(name, f"http://127.0.0.1:{port}{path}", process, reference, tuple(command))
    try:
        wait_until_up(server)
    except BaseException:
        stop(server)
        raise
    return server


def restart(server: Server) -> None:
    """Stop a server still busy with a query its client gave up on, and start it afresh."""
    stop(server)
    port = target(server)[1]
    fresh = start(server.name, list(server.command), port, target(server)[2], server.reference)
    server.process = fresh.process


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
    # No --timeout-s: with it, oxigraph 0.5 keeps a thread per query for the whole time limit
    # and, at a few thousand requests a second, runs out of threads and aborts (seen here; also
    # OriginTrail/dkg#1757). Without a limit it does less work than cartkg, never more.
    command = [oxigraph, "serve-read-only", "--location", str(release / "store"),
               "--bind", f"127.0.0.1:{port}"]  # fmt: skip
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
                   "--timeout", str(timeout), *extra,
                   # every client of the benchmark is 127.0.0.1: let it use all the workers
                   "--client-queries", "4"]  # fmt: skip
        servers.append(start(name, command, port, "/sparql"))
    port = free_port()
    command = [sys.executable, str(Path(__file__).with_name("floor.py")), str(port)]
    servers.append(start("floor", command, port, "/sparql", reference=True))


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


def latencies(servers: list[Server], query: str, runs: int) -> list[float]:
    """Median milliseconds per server; the servers take turns, starting with each in turn."""
    conns = [http.client.HTTPConnection(*target(s)[:2], timeout=120) for s in servers]
    times: list[list[float]] = [[] for _ in servers]
    for run in range(runs):
        for turn in range(len(servers)):
            i = (run + turn) % len(servers)
            started = time.perf_counter()
            host, port, path = target(servers[i])
            status, _ = request(host, port, query, path, conns[i])
            # A failed request (a timeout, say) counts as never answered.
            times[i].append(time.perf_counter() - started if status == 200 else float("inf"))
    for conn in conns:
        conn.close()
    return [statistics.median(t) * 1000 for t in times]


def throughput(server: Server, query: str, clients: int, seconds: float) -> float:
    host, port, path = target(server)
    done = [0] * clients
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=120)
        while time.monotonic() < stop:
            try:
                status, _ = request(host, port, query, path, conn)
            except (OSError, http.client.HTTPException):
                break  # the server dropped us (or died): what it answered so far counts
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


def rates(servers: list[Server], query: str, clients: int, seconds: float) -> list[float]:
    """Requests per second per server, over three rounds that alternate between the servers."""
    done = [0.0] * len(servers)
    for _ in range(3):
        for i, server in enumerate(servers):
            done[i] += throughput(server, query, clients, seconds / 3) / 3
    return done


def measure(servers: list[Server], query: str, args: argparse.Namespace) -> list[str] | str:
    """Cells of one table row, or what the servers said when they disagree."""
    counts = set()
    slowest = 0.0
    for server in servers:
        host, port, path = target(server)
        conn = http.client.HTTPConnection(host, port, timeout=args.timeout + 10)
        started = time.perf_counter()
        try:
            status, body = request(host, port, query, path, conn)
        except TimeoutError:
            # oxigraph runs without a time limit (see start_servers): it would go on for ever.
            status, body = 0, b""
            restart(server)
        finally:
            conn.close()
        slowest = max(slowest, time.perf_counter() - started)
        if not server.reference:
            counts.add(f"over {args.timeout} s" if status == 0 else
                       rows(body) if status == 200 else f"HTTP {status}")  # fmt: skip
    if len(counts) != 1:
        return "the servers disagree: " + ", ".join(sorted(counts))
    (count,) = counts
    if not count.isdigit():
        return [count, *("-" for _ in servers * 2)]
    # A slow query gets fewer runs and no throughput test: the table must finish.
    runs = args.runs if slowest < 1 else max(3, min(args.runs, int(20 / slowest)))
    medians = latencies(servers, query, runs)
    if slowest > 5:
        return [count, *(f"{m:.2f}" for m in medians), *("-" for _ in servers)]
    window = max(args.seconds, 3 * max(medians) / 1000)
    per_second = rates(servers, query, args.clients, window)
    return [count, *(f"{m:.2f}" for m in medians), *(f"{r:.0f}" for r in per_second)]


class Tally:
    """On how many queries each server is at least as fast as oxigraph (the first server)."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.latency = dict.fromkeys(names, 0)
        self.rate = dict.fromkeys(names, 0)
        self.queries = self.rated = 0

    def add(self, cells: list[str]) -> None:
        n = len(self.names)
        medians, per_second = cells[:n], cells[n:]
        if medians[0] == "-":
            return
        self.queries += 1
        for name, median in zip(self.names, medians, strict=True):
            self.latency[name] += float(median) <= float(medians[0])
        if per_second[0] == "-":
            return
        self.rated += 1
        for name, rate in zip(self.names, per_second, strict=True):
            self.rate[name] += float(rate) >= float(per_second[0])

    def report(self) -> None:
        for name in self.names[1:]:
            print(f"{name}: median latency at most oxigraph's on {self.latency[name]} of "
                  f"{self.queries} queries; throughput at least oxigraph's on "
                  f"{self.rate[name]} of {self.rated}.")  # fmt: skip


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
        tally = Tally([s.name for s in servers])
        for name, query in queries.items():
            cells = measure(servers, query, args)
            if isinstance(cells, str):
                print(f"| {name} | {cells} |", flush=True)
                continue
            tally.add(cells[1:])
            print("| " + " | ".join([name, *cells]) + " |", flush=True)
        print()
        tally.report()
    finally:
        for server in servers:
            stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", type=Path, default=ROOT / "release")
    parser.add_argument("--big", type=Path, default=ROOT / "bench" / "data" / "cart-1m.ttl")
    parser.add_argument("--runs", type=int, default=50)
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
