"""The ``errata-tpl`` console script. A Ctrl-C while Python imports the command line
(click and the group: the run's first ~50 ms) ends the run as one later does, with
click's "Aborted!" and exit 1, not a traceback from inside an import. Once the run
is over, ``cli.finished`` settles a SIGTERM it was still to act on."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from errata_tpl.cli import finished
        from errata_tpl.cli import main as run
    except KeyboardInterrupt:
        print("\nAborted!", file=sys.stderr)
        sys.exit(1)
    try:
        run()
    finally:
        finished()
