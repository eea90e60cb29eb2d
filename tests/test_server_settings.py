"""Both server command lines, `cartkg serve` and `python -m cartkg.server`, expose every
`ServerConfig` setting with the one default written in cartkg/server/config.py, and a value given on
either reaches the configuration (architecture review 2026-12, section 1.5 "Server settings":
defaults were written three times, and `cartkg serve` could not set `--timeout`, `--row-cap`,
`--public-url`, `--cache-entries` or `--in-memory`)."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from cartkg.cli import serve
from cartkg.server.__main__ import main as server_main
from cartkg.server.config import Listen, ServerConfig
from cartkg.server.settings import from_options

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "server"))
from server_support import free_port, stop_server

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "cartkg serve": [sys.executable, "-m", "cartkg.cli", "serve", "--help"],
    "python -m cartkg.server": [sys.executable, "-m", "cartkg.server", "--help"],
}
PARSERS: dict[str, click.Command] = {"cartkg serve": serve, "python -m cartkg.server": server_main}
FIELDS = [*dataclasses.fields(ServerConfig), *dataclasses.fields(Listen)]


def _help(command: list[str]) -> str:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return result.stdout


@pytest.fixture(scope="module")
def helps() -> dict[str, str]:
    return {name: _help(command) for name, command in COMMANDS.items()}


def _shown_default(text: str, flag: str) -> str | None:
    """The `[default: ...]` of `flag`'s entry in a --help text; fails if the flag is absent."""
    entries = [" ".join(e.split()) for e in re.split(r"\n(?=  -)", text)]  # wrapped lines joined
    entry = next((e for e in entries if re.match(rf"{flag}[ ,/]", e)), None)
    assert entry is not None, f"{flag} is not in the help"
    found = re.search(r"\[default: ([^;\]]*)", entry)
    return found.group(1) if found else None


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.name)
def test_every_setting_in_both_helps_with_one_default(
    helps: dict[str, str], field: dataclasses.Field[Any]
) -> None:
    flag = field.metadata["flag"].split("/")[0]
    shown = {name: _shown_default(text, flag) for name, text in helps.items()}
    assert len(set(shown.values())) == 1, shown
    value = shown["cartkg serve"]
    if field.metadata["shown"]:  # a default that its value would not say
        assert value == f"({field.metadata['shown']})"
    elif isinstance(field.default, bool):  # a switch shows its side, unless it is off
        assert value == (flag.removeprefix("--") if field.default else None)
    else:
        assert value == str(field.default)


NON_DEFAULT = [
    "--release-dir", "/srv/kg/release", "--queries", "/srv/kg/queries", "--timeout", "7.5",
    "--worker-memory", "0", "--row-cap", "12", "--max-request-bytes", "3456",
    "--allow-service", "https://a.example/sparql", "--allow-service", "https://b.example/sparql",
    "--no-sandbox", "--threads", "3", "--public-url", "https://kg.example/", "--on-disk",
    "--cache-entries", "0", "--client-queries", "2", "--queue", "5",
    "--trusted-proxy", "10.0.0.0/8", "--host", "0.0.0.0", "--port", "9", "--workers", "1",
    "--dev", "--access-log",
]  # fmt: skip
EXPECTED_CONFIG = ServerConfig(
    release_dir=Path("/srv/kg/release"), queries_dir=Path("/srv/kg/queries"), timeout=7.5,
    worker_memory_mb=0, row_cap=12, max_request_bytes=3456,
    service_allow_list=("https://a.example/sparql", "https://b.example/sparql"), sandbox=False,
    pool_size=3, public_url="https://kg.example/", in_memory=False, cache_entries=0,
    client_queries=2, queue=5, trusted_proxies=("10.0.0.0/8",),
)  # fmt: skip
EXPECTED_LISTEN = Listen(host="0.0.0.0", port=9, workers=1, dev=True, access_log=True)


@pytest.mark.parametrize("name", PARSERS)
def test_values_reach_the_config(name: str) -> None:
    params = PARSERS[name].make_context(name, list(NON_DEFAULT)).params
    config, listen = from_options(params)
    assert config == EXPECTED_CONFIG
    assert listen == EXPECTED_LISTEN
    # every setting was given a value other than its default
    for field in FIELDS:
        owner = config if hasattr(config, field.name) else listen
        if field.default is not dataclasses.MISSING:
            assert getattr(owner, field.name) != field.default, field.name


@pytest.mark.parametrize("name", PARSERS)
def test_defaults_are_the_configs(name: str) -> None:
    params = PARSERS[name].make_context(name, ["--release", "r"]).params
    assert from_options(params) == (ServerConfig(release_dir=Path("r")), Listen())


@pytest.mark.parametrize("name", PARSERS)
@pytest.mark.parametrize(
    "bad", [("--row-cap", "-1"), ("--timeout", "0"), ("--threads", "0"), ("--workers", "0")]
)
def test_bad_value_names_the_option(name: str, bad: tuple[str, str]) -> None:
    result = CliRunner().invoke(PARSERS[name], list(bad))
    assert result.exit_code == 2
    assert f"Invalid value for '{bad[0]}': {bad[1]}" in result.output


def test_cartkg_serve_settings_reach_the_service_description(server_release: Path) -> None:
    """A real `cartkg serve` with settings it could not take before: its service description
    states them."""
    port = free_port()
    command = [
        sys.executable, "-m", "cartkg.cli", "serve", "--release-dir", str(server_release),
        "--port", str(port), "--workers", "1", "--threads", "1", "--timeout", "7",
        "--row-cap", "123", "--max-request-bytes", "4567", "--public-url", "https://kg.example/",
        "--allow-service", "https://a.example/sparql",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the server did not become healthy in 60 s"
            try:
                with urllib.request.urlopen(url + "/health", timeout=5):
                    break
            except OSError:
                time.sleep(0.2)
        request = urllib.request.Request(url + "/sparql", headers={"Accept": "text/turtle"})
        with urllib.request.urlopen(request, timeout=10) as response:
            graph = Graph().parse(data=response.read(), format="turtle")
    finally:
        stop_server(process)
    endpoint = URIRef("https://kg.example/sparql")
    comment = str(next(o for o in graph.objects(endpoint, RDFS.comment) if isinstance(o, Literal)))
    for stated in ("7 s", "123 rows", "4567 bytes", "https://a.example/sparql"):
        assert stated in comment, comment
