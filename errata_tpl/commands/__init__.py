"""The commands, one module each: its click command (arguments, options, help) and
its work (read inputs, call the core, write outputs). cli.py registers them.

cli.py imports every command module at start-up, so a command module imports at
its top only what is loaded by then (click, errors, report, output.formats, _click,
other command modules); its functions import the rest of ours, and rpm, jinja2,
solv and gnupg, when the command runs. Its records are NamedTuples, not
dataclasses: a dataclass takes a millisecond or two to define.
"""
