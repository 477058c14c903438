"""Passphrases asked in modals: the key store asks from its worker thread and waits for the person's answer."""

from __future__ import annotations

import concurrent.futures
from typing import Any

from textual.app import App

from ..client import NoPassphrase

ANSWER_TIMEOUT = 600.0


class ModalPrompts:
    """Asks in the app's modals; `cancel_all()` (when the app closes) lets every waiting thread go."""

    def __init__(self, app: App[Any]) -> None:
        self._app = app
        self._asking: set[concurrent.futures.Future[str | None]] = set()

    def _ask_once(self, text: str, new: bool) -> str | None:
        from .screens.modals import InputModal, NewPassphraseModal

        answer: concurrent.futures.Future[str | None] = concurrent.futures.Future()

        def answered(value: str | None) -> None:
            if not answer.done():
                answer.set_result(value)

        def show() -> None:
            modal = NewPassphraseModal(text) if new else InputModal(text, password=True)
            self._app.push_screen(modal, answered)

        self._asking.add(answer)
        try:
            self._app.call_from_thread(show)
            return answer.result(timeout=ANSWER_TIMEOUT)
        except RuntimeError:  # the app is closing: no one will answer
            return None
        finally:
            self._asking.discard(answer)

    def ask(self, prompt: str, confirm: bool) -> str:
        """The passphrase typed (from a worker thread). A new one (`confirm`) shows its strength, warns when it
        is weak, and is asked twice. Raises NoPassphrase when none is given or the two differ."""
        value = self._ask_once(prompt, new=confirm)
        if not value:
            raise NoPassphrase("no passphrase given")
        if confirm and self._ask_once("Type the same passphrase again:", new=False) != value:
            raise NoPassphrase("the two passphrases differ; nothing was changed")
        return value

    def cancel_all(self) -> None:
        """No answer will come: every thread waiting for one gets none."""
        for pending in list(self._asking):
            if not pending.done():
                pending.set_result(None)
