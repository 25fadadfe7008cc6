"""Ctrl-C early in a run: one "Aborted!" line, exit 1, and no traceback from an import,
ours or the PyPI rpm shim's (it runs two more interpreters, which the terminal's SIGINT
reaches too)."""

import os
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


def _run(script: str, tmp_path=None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=tmp_path,
    )


def test_sigterm_inside_an_import_comes_once_the_import_is_done(tmp_path) -> None:
    """Raised inside importlib, the exit was lost (a module lock's weakref callback only
    prints it) or left a module lock held (the next import of that module waited forever:
    hostile-d, 1 in 100 SIGTERMs early in generate). It comes once the import is done,
    in the code that started it."""
    (tmp_path / "slowmod.py").write_text(
        "import signal\nsignal.raise_signal(signal.SIGTERM)\nTOTAL = sum(range(10**6))\nprint('imported', TOTAL)\n"
    )
    r = _run(
        """
        import sys, time
        sys.path.insert(0, ".")
        from errata_tpl import cli
        cli._terminate_cleanly()
        try:
            import slowmod
            time.sleep(20)
            print("never", flush=True)
        finally:
            cli.finished()
        """,
        tmp_path,
    )
    assert r.returncode == 143, r.stderr
    assert r.stdout == f"imported {sum(range(10**6))}\n" and "Traceback" not in r.stderr, r.stderr


def test_a_terminated_run_ends_though_its_clean_up_would_wait_forever() -> None:
    """A SIGTERM that lands between a lock's acquisition and its ``with`` block leaves the
    lock held; a worker thread waiting for it made the run's join wait forever (hostile-d:
    rpm's check threads, once in 800 SIGTERMs). The clean-up has GRACE seconds."""
    r = _run(
        """
        import signal, threading
        from errata_tpl import cli
        cli.GRACE = 0.5
        cli._terminate_cleanly()
        lock = threading.Lock()
        lock.acquire()  # held, as an interrupted acquisition leaves it
        worker = threading.Thread(target=lock.acquire)
        worker.start()
        try:
            signal.raise_signal(signal.SIGTERM)
        finally:
            worker.join()  # waits for the worker, which waits for the lock
        """,
        timeout=30,
    )
    assert r.returncode == 143, r.stderr


def test_the_temporary_files_a_signal_kept_from_removal_are_removed_as_the_run_ends(tmp_path) -> None:
    """Between a write's link into place and the removal of its temporary file a signal
    can end the run (a finally block is interrupted like any code): the run's end removes
    what is left of the temporary files it made (hostile-d: `.20261205.yaml.errata-tpl-*.tmp`
    left in errata/ by 1 in 300 SIGTERMs)."""
    r = _run(
        f"""
        import os
        from pathlib import Path
        from errata_tpl import cli
        from errata_tpl.fileio import atomic
        cli._terminate_cleanly()
        target = Path({str(tmp_path)!r}) / "20261205.yaml"
        fd, tmp = atomic._locked_temp(target.parent, target.name)
        atomic._MADE.add(tmp)  # what write_chunks holds until it removed its temporary file
        os.link(tmp, target)   # in place; the signal comes before the removal
        try:
            raise SystemExit(143)
        finally:
            cli.finished()
        """,
    )
    assert r.returncode == 143, r.stderr
    assert sorted(os.listdir(tmp_path)) == ["20261205.yaml"]


def test_a_sigterm_python_loses_in_a_finalizer_is_still_the_exit() -> None:
    """Raised inside a finalizer, an exception is only printed and the run goes on
    (hostile-d: exit 0 and a traceback); the run's end makes the SIGTERM its exit."""
    r = _run(
        """
        import signal
        from errata_tpl import cli
        cli._terminate_cleanly()
        class Finalized:
            def __del__(self):
                signal.raise_signal(signal.SIGTERM)
                after = 1  # the handler runs here, inside the finalizer
        try:
            Finalized()
            print("went on", flush=True)
        finally:
            cli.finished()
        """,
    )
    assert (r.returncode, r.stdout, r.stderr) == (143, "went on\n", "")
