"""What the commands share: the run's Context and clock, -v/-q after a command, the
options several commands take alike, and the text tables of status and stages."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import click

from errata_tpl import clock
from errata_tpl.fileio import sitepaths
from errata_tpl.report import Reporter
from errata_tpl.terminal import printable


class Context:
    def __init__(self, root: Path, verbosity: int) -> None:
        self.root = root
        self.rep = Reporter(verbosity)
        self._trees: list[Any] = []

    def tree(self) -> Any:
        from errata_tpl.site.tree import Tree  # jinja2 comes with it: only the commands that read the tree load it

        self._trees.append(Tree(self.root))
        return self._trees[-1]

    def done(self) -> None:
        """The command succeeded: what its trees parsed is kept for the next run."""
        for t in self._trees:
            t.save_caches()


def now_utc() -> dt.datetime:
    """The run's clock; SOURCE_DATE_EPOCH pins it for reproducible output."""
    return clock.now()


def echo(text: str, nl: bool = True, one_line: bool = False) -> None:
    """Text for a terminal on stdout (status, stages, explain, diff, check, report --format
    text): what data holds (ESC, C1, bidi controls) is shown escaped, never acted on."""
    click.echo(printable(text, one_line=one_line), nl=nl)


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    rows = [tuple(printable(c, one_line=True) for c in row) for row in rows]  # one line per row, aligned
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(fmt.format(*row).rstrip() for row in (header, *rows)) + "\n"


def verbosity(f: Callable[..., Any]) -> Callable[..., Any]:
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


text_or_json = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)

today = click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day ages and exposures are counted to. Default: $SOURCE_DATE_EPOCH, else today (UTC).",
)


# `-o -`: stdout. Told apart from a file named ./- (the same Path) by identity: `output is STDOUT`.
STDOUT = Path("-")


class WritePath(click.Path):
    """A path to write to: an empty one is a usage error (it would be the current
    directory); with ``allow_dash``, ``-`` is STDOUT."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value == "":
            self.fail("an empty path", param, ctx)
        if value == "-" and self.allow_dash:
            return STDOUT
        return super().convert(value, param, ctx)


def output(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``-o FILE``: resolve, report and generate write there; ``-o -`` is stdout. A
    command checks it with ``outside_site`` before it writes anything."""
    return click.option("-o", "--output", type=WritePath(dir_okay=False, allow_dash=True, path_type=Path), help=help)


def outside_site(
    obj: Context, path: Path | None, option: str, allowed: Callable[[PurePosixPath], bool] | None = None
) -> None:
    """Every path a command is told to write to (``-o``, ``--out-dir``: a WritePath)
    goes through here first: one in the site's own folders is refused (exit 1)."""
    if path is not None and path is not STDOUT:
        sitepaths.refuse_in_site(obj.root, path, option, allowed)


def repos(help: str, required: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--repo DIR``, repeatable: check, hotfix and promote read repositories."""
    return click.option(
        "--repo", "repos", multiple=True, required=required, type=click.Path(file_okay=False, path_type=Path), help=help
    )


def keyring(help: str, required: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--keyring FILE``, repeatable: generate and verify check signatures."""
    path = click.Path(exists=True, dir_okay=False, path_type=Path)
    return click.option("--keyring", "keyring", multiple=True, required=required, type=path, help=help)


def signing(required: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--sign KEYID [--keyring FILE]``: promote and approve sign their records with gpg."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        keyring = click.Path(exists=True, dir_okay=False, path_type=Path)
        held = "A public keyring (pubring.kbx, .gpg) holding KEYID, instead of your home's."
        f = click.option("--keyring", type=keyring, help=held)(f)
        mine = "Sign the record with this key of $GNUPGHOME or ~/.gnupg."
        return click.option("--sign", metavar="KEYID", required=required, help=mine)(f)

    return decorate
