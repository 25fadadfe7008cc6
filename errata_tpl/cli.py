"""The ``errata-tpl`` command: the group and its global options, the one place an
error becomes one line, and the commands (one module each in ``commands/``)."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from errata_tpl import __version__
from errata_tpl.commands import (
    check,
    diff,
    explain,
    generate,
    hotfix,
    promote,
    report,
    resolve,
    schema,
    stages,
    status,
    verify,
)
from errata_tpl.commands._click import Context
from errata_tpl.errors import UserError


def _terminate_cleanly() -> None:
    """SIGTERM unwinds like Ctrl-C does, so every ``finally`` runs: temporary files
    are removed, locks released, and no file is left half written."""

    def on_term(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_term)


def _stdout_to_devnull() -> None:
    """What could not be written is dropped: the interpreter's own flush at exit
    would fail again and print a traceback-like complaint."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


class _Group(click.Group):
    """Runs a command; a UserError, an OS error or text that is not UTF-8 is one
    line on stderr and exit 1, never a traceback (as click shows its own errors)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                result = super().invoke(ctx)
                if isinstance(ctx.obj, Context):
                    ctx.obj.done()
                return result
            finally:
                if sys.stdout is not None:  # None when started with stdout closed (>&-)
                    sys.stdout.flush()  # an error writing stdout (a full disk, a closed pipe) shows here
        except UserError as e:
            click.echo(f"errata-tpl: error: {e}", err=True)
            sys.exit(1)
        except UnicodeError as e:  # text from the command line that is not UTF-8 (--note $'\xff')
            click.echo(f"errata-tpl: error: text that is not valid UTF-8: {getattr(e, 'reason', e)}", err=True)
            sys.exit(1)
        except OSError as e:  # the last net: an OS error is one line too, never a traceback
            if e.filename is None:  # writing stdout
                _stdout_to_devnull()
                if e.errno == errno.EPIPE:  # the reader left (| head): not worth a word
                    sys.exit(1)
            reason = (e.strerror or str(e)).lower()
            click.echo(f"errata-tpl: error: {e.filename or '<stdout>'}: {reason}", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="errata-tpl")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The configuration tree (os/, site/, errata/). Default: $ERRATA_TPL_ROOT, else the current directory.",
)
@click.option("-v", "--verbose", is_flag=True, help="More detail on stderr.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors on stderr.")
@click.pass_context
def main(ctx: click.Context, root: Path | None, verbose: bool, quiet: bool) -> None:
    """Dated errata profiles and concrete per-node package lists for RPM fleets."""
    _terminate_cleanly()
    if root is None:
        root = Path(os.environ.get("ERRATA_TPL_ROOT") or ".")
    ctx.obj = Context(root, 1 if verbose else -1 if quiet else 0)


for _module in (check, diff, explain, generate, hotfix, promote, report, resolve, schema, stages, status, verify):
    main.add_command(_module.command)

if __name__ == "__main__":  # pragma: no cover
    main()
