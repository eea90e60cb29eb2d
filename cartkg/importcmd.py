"""`cartkg imports build | refresh`: the commands that write the imported term modules.

Errors (CartkgError) are left to the `cartkg` group, which reports them and exits 2, as for
every other command.

`build` regenerates `ontology/imports/*.ttl` from their tables (`--check` only reports).
`refresh` rewrites a table's rows from a downloaded ontology file, for some terms and all their
ancestors, then builds: `cartkg imports refresh --from mondo.obo --terms MONDO:0018905`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from cartkg import imports, prefixes
from cartkg.ontologyfile import extract, read_terms


def _where(folder: Path | None) -> Path:
    """The imports folder: --dir, else the project of `cartkg --project`, else this checkout."""
    if folder is not None:
        return folder
    context = click.get_current_context(silent=True)
    obj = context.find_root().obj if context else None
    project = obj.get("layout") if isinstance(obj, dict) else None
    return project.ontology / "imports" if project is not None else imports.imports_dir()


@click.group("imports")
def imports_cli() -> None:
    """The imported term modules in ontology/imports/ (generated from sources/*.tsv)."""


@imports_cli.command("build")
@click.option("--check", is_flag=True, help="Only report modules that differ from their tables.")
@click.option("--dir", "folder", type=click.Path(path_type=Path), default=None, hidden=True)
def build_command(check: bool, folder: Path | None) -> None:
    """Generate ontology/imports/<name>.ttl from ontology/imports/sources/<name>.tsv."""
    changed = imports.build(_where(folder), check=check)
    for path in changed:
        click.echo(f"{'differs' if check else 'wrote'}: {path}")
    if check and changed:
        raise SystemExit(1)


@imports_cli.command("refresh")
@click.option("--from", "source", required=True, type=click.Path(exists=True, path_type=Path),
              help="A downloaded ontology file: .obo, or .owl (RDF/XML) / .ttl.")  # fmt: skip
@click.option("--terms", required=True, help="CURIEs to import, comma-separated.")
@click.option("--stop", default="", help="CURIEs to climb no higher than, comma-separated.")
@click.option("--module", default=None, help="Table to update (default: the first term's prefix).")
@click.option("--dir", "folder", type=click.Path(path_type=Path), default=None, hidden=True)
def refresh_command(
    source: Path, terms: str, stop: str, module: str | None, folder: Path | None
) -> None:
    """Import terms and their ancestors from an ontology file into a module's table, then build."""
    wanted = [t.strip() for t in terms.split(",") if t.strip()]
    wanted = [prefixes.standardize(t) for t in wanted]
    found, version = read_terms(source)
    extracted = extract(found, wanted, [s.strip() for s in stop.split(",") if s.strip()])
    name = module or wanted[0].partition(":")[0].lower()
    path = _where(folder) / "sources" / f"{name}.tsv"
    table = imports.read_table(path) if path.is_file() else _new_table(name, path, source)
    where = f"{source.name}{f' (data-version {version})' if version else ''}"
    checked = f"extracted from {where} by cartkg imports refresh on {date.today().isoformat()}"
    rows = [
        imports.Row(t.id, t.label, parent, t.definition, "", checked, 0)
        for t in extracted
        for parent in (t.parents or ("",))
    ]
    merged = imports.merge(table, rows)
    imports.write_table(merged)
    imports.read_table(path)  # the written table must pass the same checks
    changed = imports.build(_where(folder))
    click.echo(f"{path}: {len(extracted)} terms from {source.name}")
    for written in changed:
        click.echo(f"wrote: {written}")


def _new_table(name: str, path: Path, source: Path) -> imports.Table:
    meta = {"ontology": f"http://purl.obolibrary.org/obo/{name}.owl", "title": source.name}
    path.parent.mkdir(parents=True, exist_ok=True)
    return imports.Table(name, path, meta, ())
