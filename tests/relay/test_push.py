"""The relay connection that hands each message to its reader as it is parsed (`PushConnection`), against
real websockets servers on 127.0.0.1: whole messages, in order, nothing lost before the reader is ready,
and broken messages ending the connection as the library's own reader would."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosedError
from websockets.protocol import State

from nostr_tui.protocol.filters import Filter
from nostr_tui.protocol.keys import SecretKey
from nostr_tui.relay import RelayPool
from nostr_tui.relay.transport import MAX_FRAGMENTS, PushConnection, default_connect

from .conftest import note

Handler = Callable[[ServerConnection], Awaitable[None]]


@asynccontextmanager
async def server(handler: Handler) -> AsyncIterator[str]:
    async with serve(handler, "127.0.0.1", 0, compression=None, max_size=None) as srv:
        yield f"ws://127.0.0.1:{srv.sockets[0].getsockname()[1]}"


async def delivered_until_closed(url: str) -> tuple[list[str | bytes], PushConnection]:
    """Connect, let the server say everything and close, then hand the messages over: what the reader got."""
    ws = await default_connect(url, open_timeout=5, close_timeout=1)
    assert isinstance(ws, PushConnection)
    await asyncio.wait_for(ws.wait_closed(), 5)
    got: list[str | bytes] = []
    ws.deliver(lambda message, _size: got.append(message))
    return got, ws


def close_code_sent(ws: PushConnection) -> int:
    """The close code this side sent when it failed the connection."""
    closed = ws.protocol.close_exc
    assert isinstance(closed, ConnectionClosedError) and closed.sent is not None
    return closed.sent.code


async def test_what_a_relay_sends_before_the_reader_is_ready_reaches_it_first_and_in_order() -> None:
    async def handler(ws: ServerConnection) -> None:
        for text in ('["AUTH","challenge"]', '["NOTICE","hello"]', '["NOTICE","again"]'):
            await ws.send(text)
        await ws.send(b"\x00binary")

    async with server(handler) as url:
        got, _ = await delivered_until_closed(url)
        assert got == ['["AUTH","challenge"]', '["NOTICE","hello"]', '["NOTICE","again"]', b"\x00binary"]


async def test_a_note_sent_in_fragments_arrives_whole_between_the_ones_around_it(
    make_pool: Callable[..., tuple[RelayPool, Any]], secret: SecretKey
) -> None:
    notes = [note(secret, f"note {i} \u00e9t\u00e9 \U0001f31e", 1_700_000_000 + i) for i in range(3)]
    sent: list[str] = []

    async def handler(ws: ServerConnection) -> None:
        async for message in ws:
            frame = json.loads(message)
            if frame[0] != "REQ":
                continue
            texts = [json.dumps(["EVENT", frame[1], n.to_dict()], ensure_ascii=False) for n in notes]
            texts.append(json.dumps(["EOSE", frame[1]]))
            sent.extend(texts)
            await ws.send(texts[0])
            middle = texts[1]
            await ws.send([middle[:10], middle[10:200], middle[200:]])  # one message, three frames
            await ws.send(texts[2])
            await ws.send(texts[3])

    async with server(handler) as url:
        pool, _ = make_pool()
        pool.add_relay(url)
        sub = pool.subscribe(Filter.make(kinds=[1]), close_on_eose=True)
        got = [r.event async for r in sub]
        assert got == notes
        stats = pool.status()[0].stats
        assert stats.invalid == {}
        assert stats.bytes_received == sum(len(t.encode()) for t in sent)  # bytes, not characters


async def test_text_that_is_not_utf8_ends_the_connection_with_1007_and_nothing_after_it_is_read() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send('["NOTICE","before"]')
        ws.protocol.send_text(b'["NOTICE","\xc3\x28"]')  # a text frame that is not UTF-8
        ws.send_data()
        await ws.send('["NOTICE","after"]')
        await ws.wait_closed()

    async with server(handler) as url:
        got, ws = await delivered_until_closed(url)
        assert got == ['["NOTICE","before"]']
        assert close_code_sent(ws) == 1007


async def test_a_message_in_too_many_fragments_ends_the_connection_as_too_big() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send(["x"] * (MAX_FRAGMENTS + 2))
        await ws.wait_closed()

    async with server(handler) as url:
        got, ws = await delivered_until_closed(url)
        assert got == []
        assert close_code_sent(ws) == 1009


async def test_a_relay_whose_text_is_broken_is_reported_and_reconnected(
    make_pool: Callable[..., tuple[RelayPool, Any]], secret: SecretKey
) -> None:
    first = asyncio.Event()
    mine = note(secret, "after the reconnect")

    async def handler(ws: ServerConnection) -> None:
        async for message in ws:
            frame = json.loads(message)
            if frame[0] != "REQ":
                continue
            if not first.is_set():
                first.set()
                ws.protocol.send_text(b"\xff")
                ws.send_data()
                await ws.wait_closed()
                return
            await ws.send(json.dumps(["EVENT", frame[1], mine.to_dict()]))
            await ws.send(json.dumps(["EOSE", frame[1]]))

    async with server(handler) as url:
        pool, _ = make_pool()
        pool.add_relay(url)
        sub = pool.subscribe(Filter.make(kinds=[1]), close_on_eose=True, eose_timeout=10)
        got = [r.event async for r in sub]
        assert got == [mine]
        assert pool.status()[0].stats.connects == 2


async def test_a_burst_of_frames_in_one_read_lets_the_other_tasks_run_every_turn(secret: SecretKey) -> None:
    notes = [note(secret, f"burst {i}", 1_700_000_000 + i) for i in range(600)]

    async def handler(ws: ServerConnection) -> None:
        async for message in ws:
            frame = json.loads(message)
            if frame[0] == "REQ":
                texts = [json.dumps(["EVENT", frame[1], n.to_dict()]).encode() for n in notes]
                ws.transport.write(b"".join(frames_of(t) for t in texts))  # all of them in one write
                await ws.send(json.dumps(["EOSE", frame[1]]))

    turn = 16
    async with server(handler) as url:
        pool = RelayPool(frames_per_turn=turn)
        try:
            pool.add_relay(url)
            stats = pool.relay(url).stats  # type: ignore[union-attr]
            sub = pool.subscribe(Filter.make(kinds=[1]), close_on_eose=True)
            jumps: list[int] = []

            async def ticker() -> None:  # another task of the loop: how many frames went by between its turns
                last = 0
                while True:
                    jumps.append(stats.frames - last)
                    last = stats.frames
                    await asyncio.sleep(0)

            ticking = asyncio.ensure_future(ticker())
            got = [r.event async for r in sub]
            ticking.cancel()
            assert got == notes
            assert max(jumps) <= 2 * turn  # a turn from the socket's read, one from what it left waiting
        finally:
            await pool.close()


def frames_of(payload: bytes) -> bytes:
    """One unmasked websocket text frame, as a server writes it."""
    n = len(payload)
    head = bytes((0x81, n)) if n < 126 else b"\x81\x7e" + n.to_bytes(2, "big")
    return head + payload


def ws_frame(opcode: int, payload: bytes, *, fin: bool = True) -> bytes:
    """One unmasked websocket frame of any length form, as a server writes it."""
    first = bytes(((0x80 if fin else 0) | opcode,))
    n = len(payload)
    if n < 126:
        return first + bytes((n,)) + payload
    if n < 1 << 16:
        return first + b"\x7e" + n.to_bytes(2, "big") + payload
    return first + b"\x7f" + n.to_bytes(8, "big") + payload


async def test_frames_cut_anywhere_between_reads_arrive_whole_in_order_with_their_sizes() -> None:
    short = '["NOTICE","short"]'
    medium = '["NOTICE","' + "é" * 150 + '"]'  # two bytes a letter: the 16-bit length form
    long = '["NOTICE","' + "x" * 70_000 + '"]'  # the 64-bit length form
    parts = '["NOTICE","in three frames"]'
    stream = b"".join([
        ws_frame(0x1, short.encode()),
        ws_frame(0x9, b"ping in the stream"),
        ws_frame(0x1, medium.encode()),
        ws_frame(0x2, b"\x00\x01binary"),
        ws_frame(0x1, parts[:5].encode(), fin=False),
        ws_frame(0x9, b"ping between fragments"),
        ws_frame(0x0, parts[5:12].encode(), fin=False),
        ws_frame(0x0, parts[12:].encode()),
        ws_frame(0x1, long.encode()),
        ws_frame(0x1, short.encode()),
    ])
    expected = [short, medium, b"\x00\x01binary", parts, long, short]

    async def handler(ws: ServerConnection) -> None:
        await ws.wait_closed()

    async def read_in_pieces(url: str, cut: int) -> list[tuple[str | bytes, int]]:
        ws = await default_connect(url, open_timeout=5, close_timeout=1, max_size=1 << 20)
        assert isinstance(ws, PushConnection)
        got: list[tuple[str | bytes, int]] = []
        ws.deliver(lambda message, size: got.append((message, size)))
        for start in range(0, len(stream), cut):  # as the socket's reads would hand them over
            ws.data_received(stream[start : start + cut])
        assert ws.protocol.state is State.OPEN  # both pings were answered by the library, nothing failed
        await ws.close()
        return got

    sizes = [len(m.encode()) if isinstance(m, str) else len(m) for m in expected]
    async with server(handler) as url:
        for cut in (1, 2, 3, 5, 9, 126, 1000, 4096, len(stream)):
            got = await read_in_pieces(url, cut)
            assert [m for m, _ in got] == expected, cut
            assert [s for _, s in got] == sizes, cut


async def test_text_frames_the_reader_knows_are_taken_undecoded_and_the_rest_delivered_in_order() -> None:
    copy = '["EVENT","s",{"id":"' + "ab" * 32 + '","content":"' + "é" * 80 + '"}]'
    broken = copy.encode().replace("é".encode(), b"\xc3\x28")  # not UTF-8: never decoded, so no failure
    stream = b"".join([
        ws_frame(0x1, b'["NOTICE","first"]'),
        ws_frame(0x1, copy.encode()),
        ws_frame(0x2, b'["EVENT" binary'),
        ws_frame(0x9, b"ping"),
        ws_frame(0x1, broken),
        ws_frame(0x1, b'["NOTICE","last"]'),
    ])

    async def handler(ws: ServerConnection) -> None:
        await ws.wait_closed()

    async with server(handler) as url:
        for cut in (1, 7, 100, 4096, len(stream)):
            ws = await default_connect(url, open_timeout=5, close_timeout=1)
            assert isinstance(ws, PushConnection)
            got: list[str | bytes] = []
            shown: list[bytes] = []

            def known(data: bytes, start: int, stop: int, shown: list[bytes] = shown) -> bool:
                shown.append(data[start:stop])
                return data.startswith(b'["EVENT"', start, stop)

            def take(message: str | bytes, _size: int, got: list[str | bytes] = got) -> None:
                got.append(message)

            ws.deliver(take, known)
            for start in range(0, len(stream), cut):
                ws.data_received(stream[start : start + cut])
            assert got == ['["NOTICE","first"]', b'["EVENT" binary', '["NOTICE","last"]'], cut
            assert shown == [b'["NOTICE","first"]', copy.encode(), broken, b'["NOTICE","last"]'], cut
            assert ws.protocol.state is State.OPEN, cut
            await ws.close()


async def test_a_masked_frame_from_a_relay_ends_the_connection_as_a_protocol_error() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send('["NOTICE","before"]')
        payload = b'["NOTICE","masked"]'
        ws.transport.write(bytes((0x81, 0x80 | len(payload))) + b"\x00\x00\x00\x00" + payload)
        await ws.wait_closed()

    async with server(handler) as url:
        got, ws = await delivered_until_closed(url)
        assert got == ['["NOTICE","before"]']
        assert close_code_sent(ws) == 1002


async def test_a_frame_over_the_size_limit_ends_the_connection_as_too_big_without_waiting_for_it() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send('["NOTICE","before"]')
        ws.transport.write(b"\x81\x7f" + (1 << 40).to_bytes(8, "big") + b"never all of it")
        await ws.wait_closed()

    async with server(handler) as url:
        ws = await default_connect(url, open_timeout=5, close_timeout=1, max_size=1 << 16)
        await asyncio.wait_for(ws.wait_closed(), 5)
        got: list[str | bytes] = []
        ws.deliver(lambda message, _size: got.append(message))
        assert got == ['["NOTICE","before"]']
        assert close_code_sent(ws) == 1009
