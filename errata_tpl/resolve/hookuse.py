"""Which fix-hook actions found something on some node: one that finds nothing on any
node of its profile is named once every node was resolved (issue 20: a hook that matches
no node)."""

from __future__ import annotations

from errata_tpl.site.hooks import FixHook

HookState = tuple[tuple[str, tuple[str, ...], frozenset[int]], ...]  # (hook file, its actions, those that found)
STOPPED = -1  # among a hook's hits: a node failed inside it, so its later actions did not run everywhere


class HookUse:
    """Which actions of the fix hooks used found something on some node: an action that
    finds nothing on any node of its profile (a misspelt name, a ``when`` never true) is
    named once every node was resolved. Resolvers that each did a share of the nodes
    (forked workers) merge their ``state()``."""

    def __init__(self) -> None:
        self._actions: dict[str, tuple[str, ...]] = {}  # hook file -> each action, as text
        self._hits: dict[str, set[int]] = {}

    def used(self, hook: FixHook) -> set[int]:
        """The set of the hook's actions that found something, to fill."""
        if hook.where not in self._actions:
            self._actions[hook.where] = tuple(f"{a.where}: {a.verb} {a.name}" for a in hook.actions)
            self._hits[hook.where] = set()
        return self._hits[hook.where]

    def stopped(self, hook: FixHook) -> None:
        """A node's resolution failed inside ``hook``: what its actions found is not known."""
        self.used(hook).add(STOPPED)

    def state(self) -> HookState:
        return tuple((w, texts, frozenset(self._hits[w])) for w, texts in self._actions.items())

    def merge(self, state: HookState) -> None:
        for where, texts, hits in state:
            self._actions.setdefault(where, texts)
            self._hits.setdefault(where, set()).update(hits)

    def idle(self) -> list[str]:
        """A warning for each action that found nothing on any node (sorted: the same
        whatever the order nodes were resolved in); none for a hook a node failed in (its
        error says what to fix first)."""
        return [
            f"{text} finds nothing on any node of its profile (check the name, 'when' and 'if_present'); "
            "the action changes nothing"
            for where in sorted(self._actions)
            if STOPPED not in self._hits[where]
            for i, text in enumerate(self._actions[where])
            if i not in self._hits[where]
        ]
