"""errata-tpl: dated errata profiles and concrete per-node package lists."""

__version__ = "0.1.0"
