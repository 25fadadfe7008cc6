"""The lines that name and date a profile's YAML (``profile:`` and ``generated:``).

Apart from the profile model (``profile.profile``): a run over an unchanged mirror
adds them to the body it kept (``mirror.memo``) and imports nothing else of the profile.
"""

from __future__ import annotations

import json


def yaml_name_lines(profile: str, generated: str, mirror_lines: tuple[str, str]) -> str:
    # always quoted (a JSON string is a YAML one): a date or a time stamp must not read back as one
    return f"profile: {json.dumps(profile)}\n{mirror_lines[0]}generated: {json.dumps(generated)}\n{mirror_lines[1]}"
