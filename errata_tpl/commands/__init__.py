"""The commands, one module each: its click command (arguments, options, help) and
its work (read inputs, call the core, write outputs). cli.py names them; a command's
module is imported only when that command runs or shows its help.

A command module imports at its top what it uses of the standard library and of
ours. Imported in the function that needs them, with a comment why: rpm, solv,
createrepo_c, python-gnupg, jinja2 and pyyaml, and our modules that load one of
them when imported (site.tree, the resolver, output.render and fleet.nodes bring
jinja2; mirror.scan, mirror.hdrcache and mirror.signing rpm's bindings;
mirror.keyring python-gnupg): neither a command's --help nor a run that does not use
them should pay for them (see `python -X importtime`). Their types are imported
under TYPE_CHECKING. No command module imports errata_tpl.cli: run as
``python -m errata_tpl.cli`` it is a second copy. Records are NamedTuples, not
dataclasses: a dataclass takes a millisecond or two to define.
"""
