"""rpm's Python bindings, imported here.

In a virtualenv, the PyPI ``rpm`` shim finds the system's bindings by running two more
interpreters (~80 ms of every run that reads a package). When this interpreter's own
base installation holds them (a venv made from the system's python3, as ``./run`` and
the README make it), they are loaded from there directly: the shim's answer, without
asking other interpreters. Otherwise, or if they do not load, the shim is imported.

A Ctrl-C while the shim runs reaches its interpreters too (the terminal signals the
whole process group) and each printed its traceback: SIGINT, SIGTERM and SIGHUP are
blocked while the bindings load (those interpreters inherit the block and end
normally) and are taken right after, as ever."""

from __future__ import annotations

import importlib.util
import os
import signal
import site
import sys
from types import ModuleType

_HELD = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def _from_base() -> ModuleType | None:
    """The bindings in this venv's base installation, loaded as ``rpm``; None when it has none
    (or they do not load here: another interpreter's build)."""
    if sys.prefix == sys.base_prefix or "rpm" in sys.modules:
        return None  # not a venv (a plain import finds them), or loaded already
    for d in site.getsitepackages([sys.base_prefix]):
        init = os.path.join(d, "rpm", "__init__.py")
        if not os.path.isfile(init):
            continue
        spec = importlib.util.spec_from_file_location("rpm", init, submodule_search_locations=[os.path.dirname(init)])
        if spec is None or spec.loader is None:
            return None
        module = importlib.util.module_from_spec(spec)
        sys.modules["rpm"] = module
        try:
            spec.loader.exec_module(module)
        except Exception:  # an extension built for another Python: the shim finds the right one
            for name in [m for m in sys.modules if m == "rpm" or m.startswith("rpm.")]:
                del sys.modules[name]
            return None
        return module
    return None


_before = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
try:
    _from_base()
    import rpm
finally:
    signal.pthread_sigmask(signal.SIG_SETMASK, _before)

__all__ = ["rpm"]
