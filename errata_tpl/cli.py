"""The ``errata-tpl`` command: the group and its global options, the one place an
error becomes one line, and the commands (one module each in ``commands/``, imported
only when that command is run)."""

from __future__ import annotations

import contextlib
import errno
import importlib
import io
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import click

from errata_tpl import __version__
from errata_tpl.commands import _click
from errata_tpl.commands._click import Run
from errata_tpl.errors import UserError
from errata_tpl.terminal import message

_IMPORTLIB = "<frozen importlib"
_PENDING: list[int] = []  # a SIGTERM that came inside importlib, still to be acted on
_TERMINATED: list[int] = []  # every SIGTERM that came
GRACE = 30.0  # seconds a terminated run has to clean up before it ends regardless


def _caller_of_import(frame: FrameType | None) -> FrameType | None:
    """When ``frame`` runs under importlib (its own code, or a module body it executes),
    the frame that started the outermost import; else None."""
    outermost = None
    while frame is not None:
        if frame.f_code.co_filename.startswith(_IMPORTLIB):
            outermost = frame
        frame = frame.f_back
    return None if outermost is None else outermost.f_back


def _exit_for(signum: int) -> SystemExit:
    """The exit a signal ends the run with, the clean-up bounded: a signal that landed
    while the main thread held a lock a worker thread needs (an exception raised
    between a lock's acquisition and its ``with`` block leaves it held) would make the
    join of that thread wait forever; after ``GRACE`` seconds the process ends."""

    def give_up(_signum: int, _frame: FrameType | None) -> None:
        os._exit(128 + signum)

    signal.signal(signal.SIGALRM, give_up)
    signal.setitimer(signal.ITIMER_REAL, GRACE)
    return SystemExit(128 + signum)


def finished() -> None:
    """The run is over (its files written, its output out, or a signal ended it): the
    temporary files a signal kept a write from removing are removed; a SIGTERM that
    came is the exit status (one still waiting for an import to end, one Python lost),
    and one during the interpreter's own teardown ends the process at once (raised
    there, it was only printed)."""
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the run is ending: nothing stops the clean-up
    atomic = sys.modules.get("errata_tpl.fileio.atomic")  # not imported: it wrote nothing
    if atomic is not None:
        atomic.remove_own_temps()
    if _TERMINATED:  # its exit, even where Python lost it (raised in a finalizer, it is only printed)
        raise _exit_for(_TERMINATED[0])
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _terminate_cleanly() -> None:
    """SIGTERM unwinds like Ctrl-C does, so every ``finally`` runs: temporary files
    are removed, locks released, and no file is left half written. Not from inside
    importlib, where the exit was lost (raised in a module lock's weakref callback, it
    is only printed) or left a module lock held (the next import of that module waited
    forever): there it is raised in the code that started the import, at its next line,
    as a debugger stops there (the frame's trace function)."""

    def on_term(signum: int, frame: FrameType | None) -> None:
        _TERMINATED.append(signum)
        caller = _caller_of_import(frame)
        if caller is None or _PENDING or sys.gettrace() is not None:  # (a debugger's, a coverage tool's)
            raise _exit_for(signum)
        _PENDING.append(signum)

        def at_next_line(_f: FrameType, _event: str, _arg: object) -> object:
            sys.settrace(None)
            caller.f_trace = None
            _PENDING.clear()
            raise _exit_for(signum)

        caller.f_trace = at_next_line
        sys.settrace(_untraced)  # tracing on: the caller's own trace function is called, no other

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_term)
        if sys.unraisablehook is not _unraisable:
            _UNRAISABLE[:] = [sys.unraisablehook]
            sys.unraisablehook = _unraisable


_UNRAISABLE: list[Callable[[Any], object]] = []  # the hook before ours


def _unraisable(u: Any) -> None:
    """A SIGTERM's exit raised where Python cannot raise (a finalizer, a weakref
    callback) is not printed: ``finished`` makes it the run's exit."""
    if isinstance(u.exc_value, SystemExit) and _TERMINATED:
        return
    (_UNRAISABLE[0] if _UNRAISABLE else sys.__unraisablehook__)(u)


def _untraced(_frame: FrameType, _event: str, _arg: object) -> None:
    """The trace function of every frame but the one a SIGTERM waits in: none."""
    return None


class _NoStdout(io.TextIOBase):
    """stdout when the process started without a descriptor 1 (``>&-``): what is written
    there is an error (Python's own ``None`` would lose it without a word)."""

    def write(self, s: str) -> int:
        raise OSError(errno.EBADF, "bad file descriptor (fd 1 is not open)")


def _refuse_lost_stdout() -> None:
    """With descriptor 1 closed, a file errata-tpl or a child (gpg, rpmkeys) opens would
    become stdout: /dev/null, read-only, holds the place, and writing stdout fails."""
    if sys.stdout is not None:
        return
    with contextlib.suppress(OSError):
        fd = os.open(os.devnull, os.O_RDONLY)
        if fd != 1:
            os.dup2(fd, 1)
            os.close(fd)
    sys.stdout = _NoStdout()


def _stdout_to_devnull() -> None:
    """What could not be written is dropped: the interpreter's own flush at exit
    would fail again and print a traceback-like complaint."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


# Each command's short help as `errata-tpl --help` lists it. Listed from here, that
# help imports no command module (one costs 10-40 ms with what it imports); a test
# keeps each equal to the command's own.
SHORT_HELP = {
    "adopt": "Write site/nodes/NODE.yaml with the packages the inventories in DIRECTORY say are installed.",
    "announce": "What a promotion brought STAGE's nodes: profiles, advisories, CVEs, kernels, who and why.",
    "approve": "Approve the promotion of PROFILE waiting at STAGE: a signed record in site/promotions.yaml.",
    "check": "Solve each node's list with libsolv against its OS's repositories (rc 1 if any fails).",
    "diff": "Added, removed, upgraded, downgraded and pinned packages between A and B.",
    "explain": "Print every step that touched PACKAGE on NODE.",
    "generate": "Scan ERRATA_DIR and write the dated errata profile of OS.",
    "hotfix": "Freeze the builds some advisories, CVEs or packages ship into a hotfix for OS.",
    "pending": "Security advisories the newest profile fixes and the last stage lacks (rc 1 if one is overdue).",
    "promote": "Promote PROFILE of OS to STAGE: soak and check first, then a record in site/promotions.yaml.",
    "publish": "Publish a profile, a stage or a hotfix of OS as a dnf repository under DIR.",
    "report": "Who lacks which advisories of the newest profiles, how severe, since when (rc 1 if a node fails).",
    "resolve": "Resolve NODE... (or --all) into concrete package lists.",
    "schema": "The JSON Schema of a file KIND (for an editor's YAML language server), or all with --out-dir.",
    "stages": "Where each profile stands: per os-id and stage, the current profile and what waits.",
    "status": "A table of every node: errata profile and where it came from, kernel, changes, exposure.",
    "verify": "Check every RPM's digests and signature against the keyring (rc 0 only if all are ok).",
}
# Each command's click object, imported when the command is named (click's "Lazily
# Loading Subcommands"): `errata-tpl resolve` loads commands/resolve.py and what it
# needs, not the other commands' modules.
COMMANDS = {name: f"errata_tpl.commands.{name}.command" for name in SHORT_HELP}


class _Group(click.Group):
    """Loads a command's module when the command is named (``lazy_subcommands``: name
    -> "module.attribute"); lists them with ``short_helps``. Runs a command; a
    UserError, an OS error or text that is not UTF-8 is one line on stderr and exit
    1, never a traceback (as click shows its own errors)."""

    def __init__(
        self,
        *args: Any,
        lazy_subcommands: dict[str, str] | None = None,
        short_helps: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_subcommands = lazy_subcommands or {}
        self.short_helps = short_helps or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return super().list_commands(ctx) + sorted(self.lazy_subcommands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, with the options every command takes (``_click.conventions``)."""
        cmd = self._lazy_load(cmd_name) if cmd_name in self.lazy_subcommands else super().get_command(ctx, cmd_name)
        return None if cmd is None else _click.conventions(cmd)

    def _lazy_load(self, cmd_name: str) -> click.Command:
        module, attr = self.lazy_subcommands[cmd_name].rsplit(".", 1)
        cmd = getattr(importlib.import_module(module), attr)
        if not isinstance(cmd, click.Command):  # a wrong entry in the table fails plainly
            raise TypeError(f"{self.lazy_subcommands[cmd_name]}: not a click command")
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The list click makes, without importing a command's module: a command made
        of the short help alone is shortened by click as the command's own help is."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        rows = [(n, click.Command(n, help=self.short_helps[n]).get_short_help_str(limit)) for n in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                try:
                    result = super().invoke(ctx)
                except SystemExit:  # a command that sets its own exit code (check, report) did its work
                    _done(ctx)
                    raise
                _done(ctx)
                return result
            finally:
                if sys.stdout is not None:  # None when started with stdout closed (>&-)
                    sys.stdout.flush()  # an error writing stdout (a full disk, a closed pipe) shows here
        except click.ClickException as e:  # click's own usage errors quote what was typed
            setattr(e, "message", message(e.message))  # noqa: B010 (Final in click's stubs)
            raise
        except UserError as e:
            _fail(ctx, str(e))
        except UnicodeError as e:  # text from the command line that is not UTF-8 (--note $'\xff')
            _fail(ctx, f"text that is not valid UTF-8: {getattr(e, 'reason', e)}")
        except OSError as e:  # the last net: an OS error is one line too, never a traceback
            if e.filename is None:  # writing stdout
                _stdout_to_devnull()
                if e.errno == errno.EPIPE:  # the reader left (| head): not worth a word
                    sys.exit(1)
            reason = (e.strerror or str(e)).lower()
            _fail(ctx, f"{e.filename or '<stdout>'}: {reason}")


def _fail(ctx: click.Context, text: str) -> None:
    """The error as one line, exit 1; with --debug (or ERRATA_TPL_DEBUG=1) its traceback after it."""
    click.echo(f"errata-tpl: error: {message(text)}", err=True)
    if _click.debugging(ctx):
        import traceback  # only with --debug: linecache, tokenize

        traceback.print_exc()
    sys.exit(1)


def _done(ctx: click.Context) -> None:
    if isinstance(ctx.obj, Run):
        ctx.obj.done()


@click.group(
    cls=_Group,
    lazy_subcommands=COMMANDS,
    short_helps=SHORT_HELP,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="errata-tpl")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None, help=_click.ROOT_HELP)
@click.option("-v", "--verbose", is_flag=True, help="More detail on stderr.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors on stderr.")
@click.option("--debug", is_flag=True, help="After an error's one line, its traceback (also: ERRATA_TPL_DEBUG=1).")
@click.pass_context
def main(ctx: click.Context, root: Path | None, verbose: bool, quiet: bool, debug: bool) -> None:
    """Dated errata profiles and concrete per-node package lists for RPM fleets.

    Every option above is also accepted after the command (errata-tpl status --root
    /srv/site -q). Shell completion (bash; also zsh, fish): eval "$(_ERRATA_TPL_COMPLETE=bash_source errata-tpl)"."""
    _terminate_cleanly()
    _refuse_lost_stdout()
    if root is None:
        root = Path(os.environ.get("ERRATA_TPL_ROOT") or ".")
    ctx.obj = Run(root, 1 if verbose else -1 if quiet else 0, debug)


# `python -m errata_tpl.cli` runs this file as __main__, a copy apart from the
# importable errata_tpl.cli: the commands are found through the table above, so no
# command module may import errata_tpl.cli (it would make and use a second group).
if __name__ == "__main__":  # pragma: no cover
    main()
