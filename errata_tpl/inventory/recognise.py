"""One file's content, recognised: rpm -qa text, an Ansible fact cache, salt's JSON."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from errata_tpl.errors import UserError
from errata_tpl.inventory import ansible, rpmqa, salt
from errata_tpl.inventory.model import ANSIBLE, RPM, SALT, Interner, Key, NotAnInventory

FORMATS = "rpm -qa output, an Ansible fact cache, salt pkg.list_pkgs or grains.item kernelrelease JSON"


@dataclass(frozen=True)
class Single:
    """The inventory of the node the file is named after."""

    source: str
    keys: tuple[Key, ...]
    collected: dt.datetime | None  # None: the file's mtime
    kernel: str | None = None
    epochs: bool = True
    unnamed_native: bool = False


@dataclass(frozen=True)
class Minions:
    """salt pkg.list_pkgs of several minions: each one's keys, or salt's word why it has none."""

    listings: dict[str, tuple[Key, ...] | str]


@dataclass(frozen=True)
class Grains:
    """salt grains.item kernelrelease: each minion's running kernel."""

    kernels: dict[str, str | None]


Recognised = Single | Minions | Grains


def json_documents(text: str) -> list[Any]:
    """One JSON value, or several one after another (salt without --static prints one per minion)."""
    decoder = json.JSONDecoder()
    docs: list[Any] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i == n:
            return docs
        try:
            doc, i = decoder.raw_decode(text, i)
        except ValueError as e:
            raise NotAnInventory(f"not JSON: {e}") from None
        except RecursionError:
            raise NotAnInventory("JSON nested too deep") from None
        docs.append(doc)


class Parser:
    """Recognises and reads files for one run: installed builds interned (nodes share most
    of them), and a text read once for the files that hold the very same (identical nodes:
    they share one tuple of keys, and the comparisons made with it)."""

    def __init__(self) -> None:
        self.interner = Interner()
        self._texts: dict[bytes, Recognised] = {}

    def parse(self, data: bytes, where: str) -> Recognised:
        """A file's content (its bytes: those of a file seen already are not decoded again)."""
        digest = hashlib.blake2b(data, digest_size=16).digest()
        hit = self._texts.get(digest)
        if hit is None:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as e:
                raise UserError(f"{where}: not UTF-8 text (byte {e.start + 1})") from None
            hit = self._texts[digest] = self._parse(text)
        return hit

    def _parse(self, text: str) -> Recognised:
        if not text.lstrip().startswith(("{", "[")):
            keys, epochs = rpmqa.parse(text, self.interner)
            return Single(RPM, keys, None, None, epochs)
        docs = json_documents(text)
        facts = ansible.facts(docs[0]) if len(docs) == 1 else None
        if facts is not None:
            keys = tuple(p.key for p in ansible.packages(facts, self.interner))
            return Single(ANSIBLE, keys, ansible.collected(facts), ansible.kernel(facts))
        if not docs or not all(isinstance(d, dict) and d for d in docs):
            raise NotAnInventory("JSON, but neither an Ansible fact cache nor salt's output of minions")
        minions: dict[str, Any] = {}
        for d in docs:
            for minion, value in d.items():
                if minion in minions:
                    raise NotAnInventory(f"minion {minion} twice")
                minions[minion] = value
        if salt.is_grains(minions):
            return Grains(dict(salt.kernels(minions)))
        if not salt.is_packages(minions):
            raise NotAnInventory("JSON, but neither an Ansible fact cache nor salt's pkg.list_pkgs or grains.item")
        listings: dict[str, tuple[Key, ...] | str] = {}
        for minion, listing in minions.items():
            if isinstance(listing, str):  # salt's word for a minion that did not answer
                listings[minion] = listing.strip()[:200]
            else:
                listings[minion] = tuple(p.key for p in salt.packages(listing, self.interner))
        if list(listings) == [salt.LOCAL] and not isinstance(listings[salt.LOCAL], str):
            return Single(SALT, listings[salt.LOCAL], None, unnamed_native=True)  # type: ignore[arg-type]
        return Minions(listings)
