"""The ``errata-tpl`` command: parse, call, print. No logic lives here."""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from errata_tpl import __version__
from errata_tpl.errors import UserError
from errata_tpl.output.formats import EXTENSIONS, FORMATS
from errata_tpl.report import Reporter


def _terminate_cleanly() -> None:
    """SIGTERM unwinds like Ctrl-C does, so every ``finally`` runs: temporary files
    are removed, locks released, and no file is left half written."""

    def on_term(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_term)


class Context:
    def __init__(self, root: Path, verbosity: int) -> None:
        self.root = root
        self.rep = Reporter(verbosity)
        self._trees: list[Any] = []

    def tree(self) -> Any:
        from errata_tpl.site.tree import Tree  # imported by the commands that read the tree

        self._trees.append(Tree(self.root))
        return self._trees[-1]

    def done(self) -> None:
        """The command succeeded: what its trees parsed is kept for the next run."""
        for t in self._trees:
            t.save_caches()


def _verbosity(f: Callable[..., Any]) -> Callable[..., Any]:
    """-v/-q accepted after the command too (``generate DIR -q``)."""

    @click.option("-v", "--verbose", "cmd_verbose", is_flag=True, help="More detail on stderr.")
    @click.option("-q", "--quiet", "cmd_quiet", is_flag=True, help="Only warnings and errors on stderr.")
    @functools.wraps(f)
    def wrapper(*args: Any, cmd_verbose: bool, cmd_quiet: bool, **kwargs: Any) -> Any:
        ctx: Context = click.get_current_context().obj
        if cmd_verbose:
            ctx.rep.verbosity = 1
        if cmd_quiet:
            ctx.rep.verbosity = -1
        return f(*args, **kwargs)

    return wrapper


def _stdout_to_devnull() -> None:
    """What could not be written is dropped: the interpreter's own flush at exit
    would fail again and print a traceback-like complaint."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _user_errors(f: Callable[..., Any]) -> Callable[..., Any]:
    """A UserError is one line on stderr and exit 1; never a traceback."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            try:
                result = f(*args, **kwargs)
                ctx = click.get_current_context(silent=True)
                if ctx is not None and isinstance(ctx.obj, Context):
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

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


@main.command()
@click.argument("errata_dir", type=click.Path(path_type=Path))
@click.option("--os", "os_id", required=True, help="The os-id of the profile, e.g. el9-x86_64.")
@click.option("--profile", help="The profile name, YYYYMMDD. Default: today (UTC).")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the profile instead of writing it.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "pan"]), default="yaml", show_default=True)
@click.option("--force", is_flag=True, help="Replace an existing profile (a dated profile is a record).")
@click.option("--no-cache", is_flag=True, help="Read every header again; do not use the header cache.")
@click.option(
    "--check-all",
    is_flag=True,
    help="rpm's whole-file check (payload digests) of every file, not only of the builds the profile names.",
)
@click.option(
    "--keyring",
    "keyring",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An OpenPGP public key file (RPM-GPG-KEY-*, armoured or binary) to check signatures against; repeatable.",
)
@click.option("--require-signature", is_flag=True, help="Leave out every package not signed by a key of the keyring.")
@click.option("--security-only", is_flag=True, help="Only builds a security advisory ships (needs updateinfo).")
@click.option(
    "--min-severity",
    type=click.Choice(["Low", "Moderate", "Important", "Critical"], case_sensitive=False),
    help="With --security-only: only advisories of at least this severity.",
)
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y%m%d"]),
    help="Only builds published by this day (inclusive): the mirror as it was then.",
)
@click.option(
    "--date-field",
    type=click.Choice(["issued", "updated", "buildtime"]),
    default="issued",
    show_default=True,
    help="What 'published' means for --until (advisory dates need updateinfo).",
)
@_verbosity
@click.pass_obj
@_user_errors
def generate(
    obj: Context,
    errata_dir: Path,
    os_id: str,
    profile: str | None,
    to_stdout: bool,
    output: Path | None,
    fmt: str,
    force: bool,
    no_cache: bool,
    check_all: bool,
    keyring: tuple[Path, ...],
    require_signature: bool,
    security_only: bool,
    min_severity: str | None,
    until: Any,
    date_field: str,
) -> None:
    """Scan ERRATA_DIR and write the dated errata profile of OS."""
    if min_severity and not security_only:
        raise click.UsageError("--min-severity goes with --security-only")
    if to_stdout and output is not None:
        raise click.UsageError("--stdout and -o exclude each other")
    from errata_tpl.commands import generate as cmd
    from errata_tpl.profile.selection import Selection

    selection = Selection(security_only, min_severity, until.date().isoformat() if until else None, date_field)
    req = cmd.GenerateRequest(
        mirror=errata_dir,
        source=str(errata_dir),
        os_id=os_id,
        profile=profile,
        fmt=fmt,
        use_cache=not no_cache,
        check_all=check_all,
        keyring=keyring,
        require_signature=require_signature,
        selection=selection,
    )
    result = cmd.generate(obj.root, req, obj.rep)
    if to_stdout:
        click.echo(result.text, nl=False)
        return
    path = output or result.default_path
    cmd.write_profile(path, result.text, force)
    obj.rep.info(f"wrote {path}")


@main.command()
@click.argument("errata_dir", type=click.Path(path_type=Path))
@click.option(
    "--keyring",
    "keyring",
    multiple=True,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An OpenPGP public key file (RPM-GPG-KEY-*, armoured or binary) to trust; repeatable.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
@_user_errors
def verify(obj: Context, errata_dir: Path, keyring: tuple[Path, ...], fmt: str) -> None:
    """Check every RPM's digests and signature against the keyring (rc 0 only if all are ok)."""
    from errata_tpl.commands import verify as cmd

    report = cmd.verify(errata_dir, keyring)
    if fmt == "json":
        click.echo(json.dumps(report, indent=2))
    else:
        click.echo(cmd.verify_text(report), nl=False)
    sys.exit(0 if report["ok"] else 1)


@main.command()
@click.argument("nodes", nargs=-1)
@click.option("--all", "all_nodes", is_flag=True, help="Every node in site/nodes/.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="yaml", show_default=True)
@click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Render with your own Jinja2 template (the yaml output's keys at top level).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
@click.option(
    "--out-dir", type=click.Path(file_okay=False, path_type=Path), help="One file per node: DIR/<node>.<ext>."
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Processes resolving and writing --out-dir files [default: one per core from 400 nodes].",
)
@_verbosity
@click.pass_obj
@_user_errors
def resolve(
    obj: Context,
    nodes: tuple[str, ...],
    all_nodes: bool,
    fmt: str,
    template: Path | None,
    output: Path | None,
    out_dir: Path | None,
    jobs: int | None,
) -> None:
    """Resolve NODE... (or --all) into concrete package lists."""
    if bool(nodes) == all_nodes:
        raise click.UsageError("name one or more nodes, or --all")
    if output is not None and out_dir is not None:
        raise click.UsageError("-o and --out-dir exclude each other")
    tree = obj.tree()
    from errata_tpl.commands import resolve as cmd
    from errata_tpl.output import render

    if out_dir is not None:  # a killed run's leftovers go, even if this run fails
        cmd.tidy_out_dir(out_dir, obj.rep)
    chosen = cmd.select_nodes(tree, nodes, all_nodes)
    renderer = render.Renderer(
        fmt,
        cmd.read_template(template) if template else None,
        str(template) if template else "",
    )
    if out_dir is not None:
        ext = template.name.rsplit(".", 2)[-2] if template and template.name.count(".") >= 2 else EXTENSIONS[fmt]
        n = cmd.write_out_dir(out_dir, tree, chosen, renderer, ext, complete=all_nodes, rep=obj.rep, jobs=jobs)
        obj.rep.info(f"wrote {n} files to {out_dir}")
        return
    _, results = cmd.resolve_all(tree, chosen, obj.rep)
    text = cmd.render_many(renderer, results)
    if output is not None:
        from errata_tpl.fileio import atomic

        atomic.write_text(output, text)
        obj.rep.info(f"wrote {output}")
    else:
        click.echo(text, nl=False)


from errata_tpl import cli_inspect, cli_rollout  # noqa: E402, F401  (they register their commands)

if __name__ == "__main__":  # pragma: no cover
    # python -m errata_tpl.cli: this copy is __main__; the other command modules
    # registered theirs on the importable errata_tpl.cli
    from errata_tpl.cli import main as registered

    registered()
