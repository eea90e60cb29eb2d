"""The `cartkg` command.

Exit status: 0 success; 1 the data or graph breaks a rule (schema, shapes, consistency);
2 cartkg could not do what was asked (unreadable file, syntax error, no Java, no release).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import click

from cartkg.errors import CartkgError, DataErrors, SourceError, ValidationFailed
from cartkg.importcmd import imports_cli
from cartkg.mappings import canonical_tsv
from cartkg.paths import Layout, default_release_dir, layout
from cartkg.reasoning import Inconsistent
from cartkg.server.settings import from_options as server_settings
from cartkg.server.settings import options as server_options

RULE_BROKEN, CANNOT_RUN = 1, 2


def exit_code(err: CartkgError) -> int:
    broken = isinstance(err, DataErrors | ValidationFailed | Inconsistent)
    return RULE_BROKEN if broken else CANNOT_RUN


class _Group(click.Group):
    """Reports cartkg's own errors as one message on stderr, without a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CartkgError as err:
            click.echo(f"cartkg: {err}", err=True)
            ctx.exit(exit_code(err))
        except OSError as err:  # the system's refusal (full disk, permissions), naming the file
            click.echo(f"cartkg: {err}", err=True)
            ctx.exit(CANNOT_RUN)


def _layout(ctx: click.Context) -> Layout:
    found: Layout = ctx.obj["layout"]
    return found


def _release(ctx: click.Context, release_dir: Path | None) -> Path:
    if release_dir is not None:
        return release_dir
    if ctx.obj["project_given"]:
        return _layout(ctx).root / "release"
    return default_release_dir()


release_option = click.option(
    "--release-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The release folder (default: $CARTKG_RELEASE, else release/ in the project).",
)


@click.group(cls=_Group)
@click.option(
    "--project",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    envvar="CARTKG_PROJECT",
    help="A project folder with ontology/, shapes/ and data/ (default: this checkout).",
)
@click.version_option(package_name="cartkg", message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context, project: Path | None) -> None:
    """cartkg: the CAR-T knowledge graph: build it, check it, query it, serve it."""
    ctx.obj = {
        "layout": Layout(project.resolve()) if project else layout(),
        "project_given": project is not None,
    }


@main.command()
@release_option
@click.option("--timings", is_flag=True, help="Print how long each stage took (on stderr).")
@click.pass_context
def build(ctx: click.Context, release_dir: Path | None, timings: bool) -> None:
    """Check the curated data, validate and reason over the graph, and publish a release."""
    from cartkg.release import build as build_release

    start = time.perf_counter()
    target = _release(ctx, release_dir)
    compiled = build_release(_layout(ctx), target)
    counts = compiled.manifest["counts"]
    inferred = sum(n for g, n in counts["graphs"].items() if g.endswith("/inferred"))
    click.echo(
        f"built {target}: {counts['quads']} quads in {len(counts['graphs'])} graphs "
        f"({inferred} inferred), {len(compiled.report.results)} SHACL warning(s) "
        f"in {time.perf_counter() - start:.1f} s"
    )
    if timings:
        for stage, seconds in compiled.timings.items():
            click.echo(f"timing\t{stage}\t{seconds:.3f}", err=True)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--shapes",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Shapes file or folder, repeatable (default: the project's).",
)
@click.option(
    "--ontology",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Ontology file or folder, repeatable (default: the project's).",
)
@click.option(
    "--engine",
    type=click.Choice(["fast", "pyshacl"]),
    default="fast",
    show_default=True,
    help="SHACL engine.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["violation", "warning", "info"]),
    default="violation",
    show_default=True,
    help="Lowest severity that fails the run.",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    metavar="FORMAT[=FILE]",
    help="text, json, junit, sarif or github; repeatable; =FILE writes to a file.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the (one) report without =FILE here instead of stdout.",
)
@click.option(
    "--reasoner/--no-reasoner",
    default=True,
    show_default=True,
    help="Check consistency with the OWL reasoner (HermiT, needs Java).",
)
@click.option(
    "--follow-symlinks",
    is_flag=True,
    help="Read symbolic links that lead out of the folders named (or the working directory).",
)
@click.pass_context
def validate(
    ctx: click.Context, paths: tuple[Path, ...], shapes: tuple[Path, ...],
    ontology: tuple[Path, ...], engine: str, fail_on: str, formats: tuple[str, ...],
    output: Path | None, reasoner: bool, follow_symlinks: bool,
) -> None:  # fmt: skip
    """Validate RDF files (any syntax, or folders of them) against the shapes and ontology.

    Without PATHS, the project's graph is generated from the curated data and validated.
    Exit status: 0 conforms, 1 does not conform, 2 could not run (file and line named).
    See docs/validation.md.
    """
    from cartkg.validation import Options, run

    options = Options(_layout(ctx), shapes, ontology, engine, fail_on, reasoner, follow_symlinks)
    ctx.exit(run(paths, options, formats, output))


@main.command()
@click.argument("ontology", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "formats",
    multiple=True,
    metavar="FORMAT[=FILE]",
    help="text, tsv, json, junit, sarif or github; repeatable; =FILE writes a file.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warn", "info"]),
    default="error",
    show_default=True,
    help="Lowest level that fails the run.",
)
@click.option(
    "--reasoner/--no-reasoner",
    default=True,
    show_default=True,
    help="Check consistency and satisfiability with HermiT (needs Java).",
)
@click.pass_context
def qc(
    ctx: click.Context, ontology: tuple[Path, ...], formats: tuple[str, ...], fail_on: str,
    reasoner: bool,
) -> None:  # fmt: skip
    """Quality checks on the ontology (ROBOT report style), plus OWL reasoning.

    Without ONTOLOGY, checks the project's ontology. See ontology/qc/ and docs/validation.md.
    """
    from cartkg.qc import run
    from cartkg.vocabulary import ontology_files

    files = ontology or tuple(ontology_files(_layout(ctx).ontology))
    ctx.exit(run(files, formats, fail_on, reasoner))


@main.command()
@click.argument("query")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
    show_default=True, help="Output format (graphs: Turtle, N-Triples, JSON-LD).",
)  # fmt: skip
@release_option
@click.pass_context
def query(ctx: click.Context, query: str, fmt: str, release_dir: Path | None) -> None:
    """Run a SPARQL QUERY (text, a .rq file, or the name of one in queries/) on the release.

    The project prefixes are predeclared, and the default graph is the union of all named
    graphs: use GRAPH ?g { ... } to ask which source states what.
    """
    from cartkg.query import run
    from cartkg.store import open_store

    text = _query_text(query, _layout(ctx))
    store = open_store(_release(ctx, release_dir))
    click.echo(run(store, text, fmt))  # type: ignore[arg-type]


def _query_text(query: str, project: Layout) -> str:
    if "\n" not in query and len(query) < 256:
        for candidate in (Path(query), project.queries / query, project.queries / f"{query}.rq"):
            if candidate.is_file():
                try:
                    return candidate.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as err:
                    raise SourceError(f"cannot read: {err}", file=str(candidate)) from None
    if any(word in query.upper() for word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")):
        return query
    raise CartkgError(f"{query!r} is neither a SPARQL query nor a query file")


@main.command()
@server_options
@click.pass_context
def serve(ctx: click.Context, /, **values: Any) -> None:
    """Serve the SPARQL endpoint and web pages (builds the release first if there is none)."""
    from cartkg.store import release_problem

    target = _release(ctx, values["release_dir"])
    if not os.path.lexists(target):
        click.echo(f"no release at {target}: building it first", err=True)
        ctx.invoke(build, release_dir=target)
    elif (problem := release_problem(target)) is not None:  # perhaps the operator's, damaged
        raise CartkgError(
            f"{target} is not a release ({problem}); `cartkg serve` builds one only where "
            "nothing is: check --release-dir, or remove what is there"
        )
    from cartkg import server  # Flask and Granian load only for this command

    server.run(*server_settings({**values, "release_dir": target}))


@main.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the diagram (default: the diagram module's).")  # fmt: skip
def diagram(out: Path | None) -> None:
    """Draw the ontology's classes and properties as a diagram."""
    import importlib

    try:
        module = importlib.import_module("cartkg.diagram")  # the ontology engineer's module
    except ImportError as err:
        raise CartkgError(f"the diagram module is not available: {err}") from None
    click.echo(f"wrote {module.main_diagram(out)}")


@main.group()
def data() -> None:
    """Work on the curated data files."""


def data_files(project: Layout) -> list[Path]:
    folder = project.data
    return [
        folder / "sources.yaml",
        *sorted((folder / "entities").glob("*.yaml")),
        *sorted((folder / "claims").glob("*.yaml")),
        *sorted((folder / "mappings").glob("*.sssom.tsv")),
    ]


def canonical_text(path: Path, text: str, display: str) -> str:
    if path.name.endswith(".sssom.tsv"):
        return canonical_tsv(text)
    from cartkg import yamlfmt  # ruamel.yaml loads only for `data fmt`

    return yamlfmt.format_text(text, yamlfmt.file_kind(path), display)


@data.command("fmt")
@click.option("--check", is_flag=True, help="Only report files that are not canonical (exit 1).")
@click.pass_context
def fmt(ctx: click.Context, check: bool) -> None:
    """Rewrite the data files in their canonical formatting."""
    project = _layout(ctx)
    off = []
    for path in data_files(project):
        if not path.is_file():
            continue
        display = str(path.relative_to(project.root))
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise SourceError(f"cannot read: {err}", file=display) from None
        canonical = canonical_text(path, text, display)
        if canonical != text:
            off.append(display)
            if not check:
                path.write_text(canonical, encoding="utf-8")
    verb = "not canonical" if check else "reformatted"
    for name in off:
        click.echo(f"{verb}: {name}")
    if check and off:
        click.echo(f"{len(off)} file(s) need `cartkg data fmt`", err=True)
        ctx.exit(RULE_BROKEN)


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--uncited",
    is_flag=True,
    help="Also list the uncited lines that state something (file:line: text).",
)
@click.option(
    "--fail-under",
    "fail_under",
    type=click.FloatRange(0, 100),
    metavar="PCT",
    help="Exit 1 if any document has fewer than PCT % of its lines cited.",
)
@click.pass_context
def coverage(ctx: click.Context, fmt: str, uncited: bool, fail_under: float | None) -> None:
    """Per source document: the lines that state something and no claim cites, and the claims
    that carry only text values. Exit status: 0 ok, 1 below --fail-under (or the curated data
    breaks the schema), 2 could not run (no source documents). See cartkg/coverage.py."""
    from cartkg import coverage as cov

    documents = cov.measure(_layout(ctx))
    if fmt == "json":
        click.echo(cov.render_json(documents, uncited, fail_under))
    else:
        click.echo(cov.render_text(documents, uncited))
    failing = [] if fail_under is None else cov.below(documents, fail_under)
    for document in failing:
        click.echo(
            f"{document.source}: {document.cited_percent:.1f} % of lines cited, "
            f"under --fail-under {fail_under:g}",
            err=True,
        )
    if failing:
        ctx.exit(RULE_BROKEN)


main.add_command(imports_cli)  # `cartkg imports build | refresh` (cartkg/importcmd.py)

if __name__ == "__main__":
    main()
