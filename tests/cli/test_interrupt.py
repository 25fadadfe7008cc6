"""Ctrl-C early in a run: one "Aborted!" line, exit 1, and no traceback from an import,
ours or the PyPI rpm shim's (it runs two more interpreters, which the terminal's SIGINT
reaches too)."""

import subprocess
import sys
import textwrap

# A KeyboardInterrupt raised where Python raises one for SIGINT: inside the import of click.
INTERRUPTED_IMPORT = textwrap.dedent(
    """
    import builtins, sys
    real = builtins.__import__
    def hook(name, *args, **kwargs):
        if name == "click":
            raise KeyboardInterrupt
        return real(name, *args, **kwargs)
    builtins.__import__ = hook
    sys.argv = ["errata-tpl", "--version"]
    from errata_tpl.launch import main
    main()
    """
)

# SIGINT to the whole process group every 2 ms while rpm's bindings are imported: what a
# terminal's Ctrl-C does to the run and to the interpreters the shim starts meanwhile.
SIGNALLED_RPM_IMPORT = textwrap.dedent(
    """
    import os, signal, site, threading
    site.getsitepackages = lambda *_: []  # the base installation's bindings not found: the shim runs
    got = []
    signal.signal(signal.SIGINT, lambda *_: got.append(1))  # here: counted; the shim's children get the default
    done = threading.Event()
    def ctrl_c():
        while not done.is_set():
            os.killpg(0, signal.SIGINT)
            done.wait(0.002)
    threading.Thread(target=ctrl_c).start()
    try:
        from errata_tpl.rpmlib import rpm
        print(rpm.labelCompare(("0", "1", "1"), ("0", "2", "1")), len(got) > 0)
    finally:
        done.set()
    """
)


# Where the bindings come from, and whether another process ran to find them.
LOADED = textwrap.dedent(
    """
    import resource, sys
    if sys.argv[1] == "shim":
        import rpm
    else:
        from errata_tpl.rpmlib import rpm
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(rpm.__file__, rpm.__version__, children.ru_utime + children.ru_stime > 0)
    """
)


def test_the_bindings_are_the_shims_found_without_its_interpreters() -> None:
    def loaded(how: str) -> list[str]:
        r = subprocess.run([sys.executable, "-c", LOADED, how], capture_output=True, text=True, timeout=60, check=True)
        return r.stdout.split()

    *shims, shim_ran = loaded("shim")
    *ours, ours_ran = loaded("rpmlib")
    assert ours == shims
    if sys.prefix != sys.base_prefix and shim_ran == "True":  # a venv, where the shim asks other interpreters
        assert ours_ran == "False"


def test_ctrl_c_while_the_command_line_is_imported() -> None:
    r = subprocess.run([sys.executable, "-c", INTERRUPTED_IMPORT], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert r.stderr.strip() == "Aborted!", r.stderr


def test_ctrl_c_while_rpm_is_imported_reaches_no_other_interpreter() -> None:
    r = subprocess.run(
        [sys.executable, "-c", SIGNALLED_RPM_IMPORT],
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,  # its own process group: the signals reach no one else
    )
    assert "Traceback" not in r.stderr and "KeyboardInterrupt" not in r.stderr, r.stderr
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["-1", "True"]  # the bindings work, and the signals came
