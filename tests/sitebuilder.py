"""SiteBuilder: a site written file by file, as a user lays one out, for tests that need a
small site of their own rather than a copy of the example tree (conftest's example_root).

Every method takes the file's text, written as it is, or YAML data (keyword arguments or a
mapping, dumped with the keys in the order given), makes the folders, and returns the builder so
calls chain:

    SiteBuilder(root).os("el9-x86_64", OS).site(deploy_errata=True).node("n1", "os: el9-x86_64\\n")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class SiteBuilder:
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, rel: str, content: str | object) -> SiteBuilder:
        """Any file of the site, by its path below the root."""
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False))
        return self

    def os(self, os_id: str, text: str | None = None, **keys: Any) -> SiteBuilder:
        """os/<os-id>/os.yaml: the text, or version and arch from the os-id, then the keys."""
        if text is None:
            version, arch = os_id.rsplit("-", 1)
            return self.write(f"os/{os_id}/os.yaml", {"version": version, "arch": arch, **keys})
        return self.write(f"os/{os_id}/os.yaml", text)

    def site(self, text: str | None = None, **keys: Any) -> SiteBuilder:
        """site/site.yaml, and site/nodes/ (a site has one, even before its first node)."""
        (self.root / "site/nodes").mkdir(parents=True, exist_ok=True)
        return self.write("site/site.yaml", keys if text is None else text)

    def node(self, name: str, text: str | None = None, **keys: Any) -> SiteBuilder:
        """site/nodes/<name>.yaml."""
        return self.write(f"site/nodes/{name}.yaml", keys if text is None else text)

    def cluster(self, name: str, text: str | None = None, **keys: Any) -> SiteBuilder:
        """site/clusters/<name>.yaml."""
        return self.write(f"site/clusters/{name}.yaml", keys if text is None else text)

    def overrides(self, content: str | dict[str, Any]) -> SiteBuilder:
        """site/errata-overrides.yaml (node names are no keyword arguments: a mapping)."""
        return self.write("site/errata-overrides.yaml", content)

    def errata(self, os_id: str, name: str, content: str | object) -> SiteBuilder:
        """errata/<os-id>/<name>.yaml: a profile, a hook (20261121-fix) or a hotfix."""
        return self.write(f"errata/{os_id}/{name}.yaml", content)
