"""rpm's Python bindings, imported here. The PyPI ``rpm`` shim finds the system's
bindings by running two more interpreters; a Ctrl-C meanwhile reaches them too (the
terminal signals the whole process group) and each printed its traceback. SIGINT,
SIGTERM and SIGHUP are blocked while the bindings load (those interpreters inherit the
block and end normally) and are taken right after, as ever."""

from __future__ import annotations

import signal

_HELD = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
_before = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
try:
    import rpm
finally:
    signal.pthread_sigmask(signal.SIG_SETMASK, _before)

__all__ = ["rpm"]
