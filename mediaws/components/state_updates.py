"""Server state updates render as React transitions, so a big update does not hold the main thread.

Reflex's pages read each Python substate through ``useStateContext``, a ``useSyncExternalStore`` over the
store the websocket's deltas write to. React renders an external store's change synchronously, even inside
``startTransition``, and the first delta after a page loads carries its data (projects, cards, charts): one
task of 60-90 ms on a fast laptop, 250-350 ms at a phone's speed, the long task that decides when the page is
interactive. This rewrites the hook to keep the substate in React state, set inside ``startTransition`` when
the store changes: React then renders the same update in slices of about 5 ms and yields to input between
them. The committed DOM is the same; every consumer of a delta still renders in the same batch.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

REGISTRY_JS = "utils/context-registry.js"
IMPORTS = """import {
  createContext,
  useContext,
  useMemo,
  useSyncExternalStore,
} from "react";"""
IMPORTS_FOR_TRANSITIONS = """import {
  createContext,
  startTransition,
  useContext,
  useEffect,
  useState,
} from "react";"""
HOOK = """export function useStateContext(name) {
  const store = useContext(StateStoreContext);
  const [subscribe, getSnapshot] = useMemo(
    () => [
      (listener) => store.subscribe(name, listener),
      () => store.getSnapshot(name) ?? app.initialState?.[name],
    ],
    [store, name],
  );
  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}"""
HOOK_WITH_TRANSITIONS = """export function useStateContext(name) {
  const store = useContext(StateStoreContext);
  const read = () => store.getSnapshot(name) ?? app.initialState?.[name];
  const [seen, setSeen] = useState(() => ({ store, name, value: read() }));
  useEffect(() => {
    const latest = () => store.getSnapshot(name) ?? app.initialState?.[name];
    const update = () =>
      startTransition(() =>
        setSeen((before) => {
          const value = latest();
          const same = before.store === store && before.name === name && before.value === value;
          return same ? before : { store, name, value };
        }),
      );
    const unsubscribe = store.subscribe(name, update);
    update();
    return unsubscribe;
  }, [store, name]);
  return seen.store === store && seen.name === name ? seen.value : read();
}"""


class StateUpdateError(RuntimeError):
    """Reflex's runtime no longer has the code this rewrites (a Reflex upgrade): update the patterns."""


def in_transitions(source: str) -> str:
    """Reflex's context registry with ``useStateContext`` updating in transitions (idempotent)."""
    if HOOK_WITH_TRANSITIONS in source:
        return source
    for old in (IMPORTS, HOOK):
        if source.count(old) != 1:
            raise StateUpdateError(f"{REGISTRY_JS}: expected once: {old.splitlines()[0]!r}")
    return source.replace(IMPORTS, IMPORTS_FOR_TRANSITIONS).replace(HOOK, HOOK_WITH_TRANSITIONS)


class TransitionUpdatesPlugin(rx.plugins.Plugin):
    """Reflex build hook: pages read server state through a hook that updates in transitions."""

    def pre_compile(self, **context: Any) -> None:
        """Queue the rewrite of Reflex's state hook for this compile."""
        context["add_modify_task"](REGISTRY_JS, in_transitions)
