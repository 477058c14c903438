"""How Python's garbage collector runs while the program works: out of the way of streaming events."""

from __future__ import annotations

import gc
from collections.abc import Callable


def quiet_collector() -> Callable[[], None]:
    """Keep Python's garbage collector from pausing the work while relays stream events.

    Called once the program has started (the TUI: its first screen is up; a command: its client is made).
    The objects made while starting (the modules', the client's, Textual's) stay for the whole run: they are
    frozen out of every later collection. Young collections run after 50,000 new objects instead of 700, so
    the frames and events in flight are freed by their reference counts before a collection moves them to the
    older generations, and a full collection (a pause of 50 to 200 ms on a loaded machine, several a second
    under a flood) becomes rare. `nostr-tui req` of 20,000 notes spent about a sixth of its event loop's time
    in the collector with Python's thresholds.
    Returns what puts the collector back as it was (when the run ends, e.g. in a process running several).
    """
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)

    def restore() -> None:
        gc.set_threshold(*before)
        gc.unfreeze()

    return restore
