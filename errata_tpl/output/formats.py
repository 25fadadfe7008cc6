"""The output formats of resolve and their file extensions (no imports: the CLI reads them at start)."""

FORMATS = ("yaml", "json", "pan", "dnf", "versionlock", "ansible", "salt", "kickstart")
EXTENSIONS = {
    "yaml": "yaml",
    "json": "json",
    "pan": "pan",
    "dnf": "txt",
    "versionlock": "list",
    "ansible": "yml",
    "salt": "sls",
    "kickstart": "ks",
}
