"""The commands' work: read inputs, call the pure core, write outputs.

The CLI parses arguments and prints; everything between is here, a module per
command, imported only by the command that needs it.
"""
