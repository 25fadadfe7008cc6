"""What the commands share: the run (``Run``, click's ``obj``) and its clock, the conventions every
command gets from the group (``--root``, ``-v``/``-q``, ``--debug`` after the
command too, the refusal of a folder that is not a site), the options several
commands take alike, node-name completion, and the text tables of status and stages.

A new command gets the conventions for free: the group adds them when it loads
the command (``conventions``). Its work asks the Run for what it reads:
``obj.tree()`` or ``obj.site()`` (both refuse a folder that is not a site),
``obj.os_id(X)`` (refuses an os-id the site has no ``os/X/os.yaml`` for);
``obj.root`` alone is for commands that read no site (verify, schema)."""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple

import click
from click.shell_completion import CompletionItem

from errata_tpl import clock
from errata_tpl.errors import UserError
from errata_tpl.fileio import regular, sitepaths
from errata_tpl.messages import Reporter
from errata_tpl.terminal import printable
from errata_tpl.values import names

if TYPE_CHECKING:
    from errata_tpl.site.tree import Tree  # jinja2 comes with it: see commands/__init__

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]  # what click.option(...) gives

ROOT_HELP = "The configuration tree (os/, site/, errata/). Default: $ERRATA_TPL_ROOT, else the current directory."
WHERE_THE_ROOT_IS = "the root is --root DIR, else $ERRATA_TPL_ROOT, else the current directory"


class Run:
    """One run of a command: the root it works on, how much it says, the trees it read.
    (click's own ``click.Context`` is the other context a command sees.)"""

    def __init__(self, root: Path, verbosity: int, debug: bool = False) -> None:
        self.root = root
        self.rep = Reporter(verbosity)
        self.debug = debug  # --debug or ERRATA_TPL_DEBUG=1: the traceback after the one-line error
        self._trees: list[Tree] = []

    def site(self) -> Path:
        """The root, once it is known to be a site: a folder holding os/ and site/. A
        wrong directory must not look like an empty site (zero nodes, all fine)."""
        if not self.root.is_dir():
            raise UserError(f"{self.root}: not an errata-tpl site: no such directory ({WHERE_THE_ROOT_IS})")
        missing = [f"{d}/" for d in ("os", "site") if not (self.root / d).is_dir()]
        if missing:
            raise UserError(
                f"{self.root}: not an errata-tpl site: no {' and no '.join(missing)} folder ({WHERE_THE_ROOT_IS})"
            )
        return self.root

    def tree(self) -> Tree:
        from errata_tpl.site.tree import Tree  # jinja2 comes with it: only the commands that read the tree load it

        self._trees.append(Tree(self.site()))
        return self._trees[-1]

    def os_id(self, value: str) -> str:
        """An os-id of this site: one with an ``os/<os-id>/os.yaml``."""
        os_id = names.os_id(value)
        # a FIFO or a directory there is named as what it is, not as "unknown os"
        if not regular.present(self.site() / "os" / os_id / "os.yaml", f"os/{os_id}/os.yaml"):
            known = sorted(p.parent.name for p in (self.root / "os").glob("*/os.yaml"))
            raise UserError(
                f"unknown os {os_id!r}: no os/{os_id}/os.yaml (this site has: {', '.join(known) or 'none'})"
            )
        return os_id

    def done(self) -> None:
        """The command succeeded: what its trees parsed is kept for the next run."""
        for t in self._trees:
            t.save_caches()


def debugging(ctx: click.Context) -> bool:
    obj = ctx.find_object(Run)
    return (obj is not None and obj.debug) or os.environ.get("ERRATA_TPL_DEBUG", "") not in ("", "0")


# --- the conventions every command gets -------------------------------------------------

_ROOT_KEY = "errata_tpl.root"  # in ctx.meta (shared by a command's context and the group's): for completion


def _set_root(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    if value is None:
        return
    ctx.meta[_ROOT_KEY] = value
    obj = ctx.find_object(Run)
    if obj is not None:
        obj.root = value


def _set_verbosity(level: int) -> Callable[[click.Context, click.Parameter, bool], None]:
    def set_it(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        obj = ctx.find_object(Run)
        if value and obj is not None:
            obj.rep.verbosity = level

    return set_it


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    obj = ctx.find_object(Run)
    if value and obj is not None:
        obj.debug = True


def conventions(cmd: click.Command) -> click.Command:
    """Give ``cmd`` what every command takes, before or after its name: ``--root DIR``,
    ``-v``/``-q`` and ``--debug`` (the group has them too). Done once per command;
    an option the command defines itself is left alone."""
    if getattr(cmd, "_conventions", False):
        return cmd
    taken = {o for p in cmd.params for o in getattr(p, "opts", ())}
    extra = [
        click.Option(
            ["--root"],
            type=click.Path(file_okay=False, path_type=Path),
            expose_value=False,
            callback=_set_root,
            help=ROOT_HELP,
        ),
        click.Option(
            ["-v", "--verbose"],
            is_flag=True,
            expose_value=False,
            callback=_set_verbosity(1),
            help="More detail on stderr.",
        ),
        click.Option(
            ["-q", "--quiet"],
            is_flag=True,
            expose_value=False,
            callback=_set_verbosity(-1),
            help="Only warnings and errors on stderr.",
        ),
        click.Option(
            ["--debug"],
            is_flag=True,
            expose_value=False,
            callback=_set_debug,
            help="After an error's one line, its traceback (also: ERRATA_TPL_DEBUG=1).",
        ),
    ]
    cmd.params.extend(o for o in extra if not taken & set(o.opts))
    cmd._conventions = True  # type: ignore[attr-defined]
    return cmd


def completion_root(ctx: click.Context) -> Path:
    """The root while the shell completes a word (no command has run): --root after the
    command, else before it, else $ERRATA_TPL_ROOT, else the current directory."""
    given = ctx.meta.get(_ROOT_KEY) or ctx.find_root().params.get("root")
    return Path(given or os.environ.get("ERRATA_TPL_ROOT") or ".")


def complete_nodes(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Node names of the site (site/nodes/*.yaml and *.yml) for the shell."""
    try:
        with os.scandir(completion_root(ctx) / "site" / "nodes") as entries:
            found = {e.name.rsplit(".", 1)[0] for e in entries if e.name.endswith((".yaml", ".yml"))}
    except OSError:
        return []
    return [CompletionItem(n) for n in sorted(found) if n.startswith(incomplete)]


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


def output(help: str) -> Decorator:
    """``-o FILE``: resolve, report and generate write there; ``-o -`` is stdout. A
    command checks it with ``outside_site`` before it writes anything."""
    return click.option("-o", "--output", type=WritePath(dir_okay=False, allow_dash=True, path_type=Path), help=help)


def outside_site(
    obj: Run, path: Path | None, option: str, allowed: Callable[[PurePosixPath], bool] | None = None
) -> None:
    """Every path a command is told to write to (``-o``, ``--out-dir``: a WritePath)
    goes through here first: one in the site's own folders is refused (exit 1)."""
    if path is not None and path is not STDOUT:
        sitepaths.refuse_in_site(obj.root, path, option, allowed)


def repos(help: str, required: bool = False) -> Decorator:
    """``--repo DIR``, repeatable: check, hotfix and promote read repositories."""
    return click.option(
        "--repo", "repos", multiple=True, required=required, type=click.Path(file_okay=False, path_type=Path), help=help
    )


class OsRepo(click.ParamType["tuple[str | None, Path]"]):
    """``OS_ID=DIR`` (a repository of that OS's packages) or a plain ``DIR`` (os-id None)."""

    name = "OS_ID=DIR"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        os_id, eq, path = str(value).partition("=")
        if eq and names.is_os_id(os_id):
            if not path:
                self.fail(f"{value!r}: no folder after '='", param, ctx)
            return os_id, Path(path)
        if not value:
            self.fail("an empty path", param, ctx)
        return None, Path(value)


def os_repos(help: str) -> Decorator:
    """``--repo OS_ID=DIR`` (or ``DIR``), repeatable."""
    return click.option("--repo", "repos", multiple=True, type=OsRepo(), help=help)


def keyring(help: str, required: bool = False, option: str = "--keyring") -> Decorator:
    """``--keyring FILE`` (or ``option``), repeatable: generate and verify check signatures."""
    path = click.Path(exists=True, dir_okay=False, path_type=Path)
    dest = option.lstrip("-").replace("-", "_")
    return click.option(option, dest, multiple=True, required=required, type=path, help=help)


def repomd_keyring(option: str, help: str) -> Decorator:
    """``option FILE``, repeatable, and ``--require-repomd-signature`` checked against its
    keys: publish's ERRATA_DIR, promote's repositories (their ``--keyring`` is another's)."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        return keyring(help, option=option)(require_repomd_signature(option)(f))

    return decorate


def require_repomd_signature(keyring: str = "--keyring") -> Decorator:
    """``--require-repomd-signature``, checked against the keys of the option ``keyring``."""
    return click.option(
        "--require-repomd-signature",
        is_flag=True,
        help="Refuse a repository whose repomd.xml has no good signature (repomd.xml.asc) by a key of the "
        f"keyring, as dnf's repo_gpgcheck=1 does (needs {keyring}).",
    )


def keyring_for_repomd(required: bool, keyring: Sequence[Path] | Path | None, option: str = "--keyring") -> None:
    """``--require-repomd-signature`` checks against ``option``'s keys: without one, a usage error."""
    if required and not keyring:
        raise click.UsageError(f"--require-repomd-signature needs at least one {option} KEY")


def signing(required: bool) -> Decorator:
    """``--sign KEYID [--keyring FILE]``: promote and approve sign their records with gpg."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        keyring = click.Path(exists=True, dir_okay=False, path_type=Path)
        held = "A public keyring (pubring.kbx, .gpg) holding KEYID, instead of your home's."
        f = click.option("--keyring", type=keyring, help=held)(f)
        mine = "Sign the record with this key of $GNUPGHOME or ~/.gnupg."
        return click.option("--sign", metavar="KEYID", required=required, help=mine)(f)

    return decorate


def _as_one(into: str, record: Callable[..., object], fields: Sequence[str], *options: Decorator) -> Decorator:
    """``options`` (as if written one above the other) given to the command as one value,
    its parameter ``into``: the ``record`` of their values (``fields``: their names, in its order)."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def gathered(*args: Any, **kwargs: Any) -> Any:
            kwargs[into] = record(*(kwargs.pop(name) for name in fields))
            return f(*args, **kwargs)

        command: Callable[..., Any] = gathered
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


class Promotion(NamedTuple):
    """``PROFILE --os OS_ID --stage STAGE``: the promotion promote makes and approve signs."""

    profile: str
    os_id: str
    stage: str


def promotion(stage_help: str) -> Decorator:
    """PROFILE, ``--os`` and ``--stage``, given to the command as one ``promotion``."""
    os_id = click.option("--os", "os_id", required=True, help="The os-id of the profile, e.g. el9-x86_64.")
    stage = click.option("--stage", required=True, help=stage_help)
    return _as_one("promotion", Promotion, Promotion._fields, click.argument("profile"), os_id, stage)


def for_the_record(does: str) -> Decorator:
    """``--by`` and ``--note``: who ``does`` it and why, in a record of site/promotions.yaml."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        f = click.option("--note", help="A note for the record.")(f)
        return click.option("--by", help=f"Who {does} (recorded). Default: the login name.")(f)

    return decorate


class MirrorOf(NamedTuple):
    """``ERRATA_DIR --os OS_ID``: a mirror and the OS its packages are for."""

    errata_dir: Path
    os_id: str


def mirror_of(os_help: str) -> Decorator:
    """ERRATA_DIR and ``--os`` (generate, hotfix, publish), given to the command as one ``mirror``."""
    errata_dir = click.argument("errata_dir", type=click.Path(path_type=Path))
    os_id = click.option("--os", "os_id", required=True, help=os_help)
    return _as_one("mirror", MirrorOf, MirrorOf._fields, errata_dir, os_id)


installed = click.option(
    "--installed",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A directory of inventories (rpm -qa, Ansible fact cache, salt JSON), one per node: what nodes really "
    "have. Default: site.yaml's 'installed'.",
)


def _duration(ctx: click.Context, param: click.Parameter, value: str) -> dt.timedelta:
    # only when a command runs: cli.py imports this module at every start
    from errata_tpl.errors import UserError
    from errata_tpl.site.stages import duration  # the soak's notation: 7d, 12h, 1w

    try:
        return dt.timedelta(seconds=duration(value, "--max-age"))
    except UserError as e:
        raise click.BadParameter(str(e).removeprefix("--max-age: ")) from None


max_age = click.option(
    "--max-age",
    default="7d",
    show_default=True,
    callback=_duration,
    help="An inventory collected longer ago than this is stale (its figures shown, marked stale): 12h, 7d, 2w.",
)
