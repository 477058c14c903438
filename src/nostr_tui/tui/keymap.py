"""The config's [keymap] checked against the bindings that exist: unknown ids, and remapped keys that collide
with another binding of the same screen. Each problem is one line naming the id (and the nearest known one)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import _normalize_key_list


@dataclass(frozen=True, slots=True)
class _Bound:
    """One key of one binding in a screen: who binds it (an id, or a widget's own action) and whether the
    key came from the keymap."""

    name: str
    action: str
    key: str
    remapped: bool


def screen_contexts() -> dict[str, list[type[DOMNode]]]:
    """For each screen (and each part of it that takes the keys), the classes whose bindings are active
    together, the focused widget first."""
    from textual.widgets import DataTable, Input, TextArea

    from .app import NostrApp
    from .screens.feed import FeedScreen
    from .screens.help import HelpScreen
    from .screens.keys import KeysScreen
    from .screens.modals import ConfirmModal, InputModal
    from .screens.outbox import OutboxScreen
    from .screens.profile import ProfileScreen
    from .screens.profile_edit import ProfileEditor
    from .screens.relays import RelaysScreen
    from .screens.search import SearchScreen
    from .screens.thread import ThreadScreen
    from .screens.welcome import WelcomeScreen
    from .widgets.compose import Compose
    from .widgets.nav_table import NavTable
    from .widgets.note_list import NoteList
    from .widgets.thread_view import ThreadView

    app: list[type[DOMNode]] = [NostrApp]
    contexts: dict[str, list[type[DOMNode]]] = {}
    for name, screen, lst in (("feed", FeedScreen, NoteList), ("thread", ThreadScreen, ThreadView),
                              ("profile", ProfileScreen, NoteList), ("search", SearchScreen, NoteList)):
        contexts[f"{name} screen"] = [lst, screen, *app]
        contexts[f"{name} screen's compose pane"] = [TextArea, Compose, screen, *app]
    for name, table_screen in (("accounts", KeysScreen), ("relays", RelaysScreen), ("outbox", OutboxScreen)):
        contexts[f"{name} screen"] = [NavTable, DataTable, table_screen, *app]
    contexts["welcome dialog"] = [WelcomeScreen, *app]
    contexts["help screen"] = [HelpScreen, *app]
    contexts["confirmation dialog"] = [ConfirmModal, *app]
    contexts["input dialog"] = [Input, InputModal, *app]
    contexts["profile editor"] = [Input, ProfileEditor, *app]
    return contexts


def _bindings(cls: type[DOMNode]) -> list[Binding]:
    merged = cls._merged_bindings  # what Textual itself builds from the class's BINDINGS and its bases
    if merged is None:
        return []
    return [b for bindings in merged.key_to_bindings.values() for b in bindings]


def known_ids(contexts: Mapping[str, Iterable[type[DOMNode]]] | None = None) -> set[str]:
    """Every binding id of the app's screens and widgets."""
    ctx = screen_contexts() if contexts is None else contexts
    return {b.id for classes in ctx.values() for cls in classes for b in _bindings(cls) if b.id}


def nearest(binding_id: str, known: Iterable[str]) -> str:
    """The known id most like `binding_id`."""
    ordered = sorted(known)
    found = difflib.get_close_matches(binding_id, ordered, n=1, cutoff=0.0)
    return found[0] if found else ordered[0]


def _normalized(keymap: Mapping[str, str]) -> dict[str, list[str]]:
    return {k: [key for key in _normalize_key_list(v).split(",") if key] for k, v in keymap.items()}


def _bound(classes: Iterable[type[DOMNode]], keymap: Mapping[str, list[str]]) -> dict[str, list[_Bound]]:
    out: dict[str, list[_Bound]] = {}
    seen: set[tuple[str, str]] = set()
    for cls in classes:
        for binding in _bindings(cls):
            name = binding.id or f"the built-in {binding.action!r}"
            remapped = binding.id is not None and binding.id in keymap
            keys = keymap[binding.id] if binding.id is not None and remapped else [binding.key]
            for key in keys:
                if (name, key) not in seen:
                    seen.add((name, key))
                    out.setdefault(key, []).append(_Bound(name, binding.action, key, remapped))
    return out


def _show(key: str) -> str:
    return {"question_mark": "?", "full_stop": ".", "plus": "+"}.get(key, key)


def keymap_problems(keymap: Mapping[str, str],
                    contexts: Mapping[str, Iterable[type[DOMNode]]] | None = None) -> list[str]:
    """One line per unknown id in `keymap` (with the nearest known one) and per remapped key that another
    binding of the same screen also uses."""
    ctx = screen_contexts() if contexts is None else contexts
    known = known_ids(ctx)
    problems = []
    for binding_id in keymap:
        if binding_id not in known:
            problems.append(f"config [keymap]: no binding has the id {binding_id!r} "
                            f"(the nearest is {nearest(binding_id, known)!r}; press ? to see every id)")
    wanted = _normalized({k: v for k, v in keymap.items() if k in known})
    reported: set[tuple[str, str]] = set()
    for where, classes in ctx.items():
        for key, bound in _bound(classes, wanted).items():
            names = list(dict.fromkeys(b.name for b in bound))
            if len({b.action for b in bound}) < 2:
                continue  # the same thing, whichever binding runs it
            for b in bound:
                if not b.remapped or (b.name, key) in reported:
                    continue
                reported.add((b.name, key))
                others = ", ".join(n for n in names if n != b.name)
                problems.append(f"config [keymap]: {b.name!r} = {_show(key)!r} collides with {others} on the {where}")
    return problems
