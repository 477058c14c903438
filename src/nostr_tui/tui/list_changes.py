"""Changing the user's lists from the TUI: the client's refusals become questions (retry? publish anyway?) and
every change that went out can be undone at once (u)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from ..client import ClientError, ListShrinks, ListUnavailable, ListUpdate
from .screens.modals import ConfirmModal

if TYPE_CHECKING:
    from .app import NostrApp

Change = Callable[[bool], Awaitable[ListUpdate]]
"""A list change to make: called with `force` (True once the person said yes to a shrinking list)."""

UNDO_HINT = " · press u to undo"


async def ask(app: NostrApp, question: str) -> bool:
    """Yes or no in a modal, from a worker."""
    answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def answered(value: bool | None) -> None:
        if not answer.done():
            answer.set_result(bool(value))

    app.push_screen(ConfirmModal(question), answered)
    return await answer


async def run_change(app: NostrApp, change: Change, *, done: str = "", undoable: bool = True) -> ListUpdate | None:
    """Make a list change, asking the person when the client refuses one: a relay that should hold the list
    did not answer (retry?), or the list would shrink by more than one entry (publish anyway?). Returns the
    update, or None when nothing was published."""
    force = False
    while True:
        try:
            update = await change(force)
        except ListUnavailable as exc:
            if await ask(app, f"{exc}\n\nTry again now?"):
                continue
            return None
        except ListShrinks as exc:
            if not force and await ask(app, f"Careful: {exc}.\n\nPublish it anyway?"):
                force = True
                continue
            return None
        except ClientError as exc:
            app.notify(str(exc), severity="error", markup=False)
            return None
        break
    if update.sending is None:
        app.notify(update.message, markup=False)
        return update
    text = (done or update.message) + (UNDO_HINT if undoable else "")
    app.notify(text, markup=False, timeout=8)
    app.undo_available = undoable
    return update


def ask_to_mute(app: NostrApp, pubkey: str, name: str) -> None:
    """Ask, then mute a person (their notes leave every feed, thread and mention at once)."""
    lists = app.client.lists

    async def mute() -> None:
        await run_change(app, lambda force: lists.mute(pubkey, force=force), done=f"Muted {name}.")

    def answered(ok: bool | None) -> None:
        if ok:
            app.run_worker(mute(), exit_on_error=False, group="lists")

    question = f"Mute {name}? Their notes are hidden everywhere. Your mute list is public."
    app.push_screen(ConfirmModal(question), answered)
