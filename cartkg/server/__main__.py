"""`python -m cartkg.server`: `cartkg serve` without building a missing release (the tests and
the benchmark start real servers this way). The options are those of `cartkg serve`."""

from __future__ import annotations

import sys
from typing import Any

import click

from cartkg.errors import CartkgError
from cartkg.paths import default_release_dir

from . import run
from .settings import from_options, options


@click.command(help=__doc__)
@options
def main(**values: Any) -> None:
    values["release_dir"] = values["release_dir"] or default_release_dir()
    config, listen = from_options(values)
    try:
        run(config, listen)
    except CartkgError as err:
        sys.exit(f"error: {err}")


if __name__ == "__main__":
    main(prog_name="python -m cartkg.server")
