"""The outbox screen (O): each waiting note with every relay's state (accepted, rejected with its reason,
unreachable, waiting), retry now, discard after asking, copy; the status bar tells unsent from pending."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.client.conftest import PASSPHRASE, keystore_with
from tests.relay.hostile import Hostile, send_json
from tests.support.ports import PortHold
from textual.widgets import DataTable, Static
from websockets.asyncio.server import ServerConnection

from nostr_tui.config import load_config
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.tui.app import NostrApp
from nostr_tui.tui.screens.feed import FeedScreen
from nostr_tui.tui.screens.modals import ConfirmModal
from nostr_tui.tui.screens.outbox import OutboxScreen
from nostr_tui.tui.widgets.note_list import NoteList
from nostr_tui.tui.widgets.status_bar import StatusBar

from .apps import wait_for
from .test_app_core import local_relay, write_config


def bar(app: NostrApp) -> str:
    return str(app.screen.query_one(StatusBar).render())


async def started(pilot: Any, app: NostrApp) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, FeedScreen) and bool(app.screen.query(NoteList)))


async def test_the_outbox_shows_each_relays_state_and_retries_copies_and_discards(tmp_path: Path) -> None:
    async def picky(relay: Hostile, ws: ServerConnection, frame: list[Any]) -> None:
        if frame[0] == "REQ":
            await send_json(ws, ["EOSE", frame[1]])
        elif frame[0] == "EVENT":
            first = sum(1 for f in relay.received if f[0] == "EVENT") == 1
            await send_json(ws, ["OK", frame[1]["id"], not first, "blocked: no spam today" if first else ""])

    good, good_url = await local_relay()
    try:
        with PortHold() as down:
            async with Hostile(picky) as choosy:
                keystore_with(tmp_path / "data", SecretKey.generate())
                config = load_config(write_config(tmp_path, [good_url, choosy.url, down.url]))
                app = NostrApp(config, prompt=lambda text, confirm: PASSPHRASE)
                async with app.run_test(size=(120, 36)) as pilot:
                    await started(pilot, app)
                    await pilot.press("c", *"waiting somewhere", "ctrl+s")
                    await wait_for(pilot, lambda: "1 note pending on 1 relay" in bar(app))
                    assert "unsent" not in bar(app)
                    await pilot.press("O")
                    await wait_for(pilot, lambda: isinstance(app.screen, OutboxScreen))
                    table = app.screen.query_one(DataTable)
                    detail = app.screen.query_one("#outbox-detail", Static)
                    await wait_for(pilot, lambda: table.row_count == 1 and "rejected" in str(detail.render()))
                    shown = str(detail.render())
                    assert f"✓ {good_url}  accepted" in shown
                    assert f"✗ {choosy.url}  rejected: blocked: no spam today" in shown
                    # The relay that is down is between two attempts most of the time, and trying again for a moment:
                    refused = f"⨯ {down.url}  unreachable: connection refused"
                    await wait_for(pilot, lambda: refused in str(detail.render()))
                    assert "waiting somewhere" in str(table.get_row_at(0)[1])

                    await pilot.press("y")
                    await wait_for(pilot, lambda: app.clipboard == "waiting somewhere")

                    await pilot.press("r")  # the picky relay takes it the second time
                    await wait_for(pilot, lambda: f"✓ {choosy.url}  accepted" in str(detail.render()))
                    await wait_for(pilot, lambda: f"⨯ {down.url}  unreachable" in str(detail.render()))

                    await pilot.press("d")
                    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
                    await pilot.press("n")  # asked first: no keeps it
                    await wait_for(pilot, lambda: isinstance(app.screen, OutboxScreen))
                    assert table.row_count == 1
                    await pilot.press("d")
                    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
                    await pilot.press("y")
                    title = app.screen.query_one("#outbox-title", Static)
                    await wait_for(pilot, lambda: "Nothing waiting" in str(title.render()))
                    assert table.row_count == 0
                    await wait_for(pilot, lambda: "pending" not in bar(app))
    finally:
        good.shutdown()


async def test_a_note_no_relay_accepted_counts_as_unsent(tmp_path: Path) -> None:
    with PortHold() as down:
        keystore_with(tmp_path / "data", SecretKey.generate())
        app = NostrApp(load_config(write_config(tmp_path, [down.url])), prompt=lambda text, confirm: PASSPHRASE)
        async with app.run_test(size=(120, 36)) as pilot:
            await started(pilot, app)
            await pilot.press("c", *"nowhere yet", "ctrl+s")
            await wait_for(pilot, lambda: "1 unsent (O)" in bar(app))
            assert "pending on" not in bar(app)
