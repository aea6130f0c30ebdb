"""Call signalling benchmark: offer sent → answer received over real sockets, next to the
chat message latency in the same run.

    [DATABASE_URL=postgres://...] [REDIS_URL=redis://...] python bench/calls.py \
        --calls 100 --rounds 3 [--servers 1] [--json bench/calls-results.json]

`--calls` client/listener pairs, each in its own session of a voice tier, connect to the
product's daphne (origin check, session auth, the Redis channel layer, PostgreSQL). Each
round all pairs set up a call at once: `call.start`, the listener's `call.answer` on the
ring, the client's SDP offer (a 3 KB description, like a browser's) on `connected`, the
listener's SDP answer on the offer; measured: offer sent → answer received at the client
(signalling) and `call.start` sent → answer received (the whole set-up). Then every pair
hangs up, and every client sends one chat message at once, measured send → `message.new`
at the listener. Loopback only; the load generator shares the machine (figures are
conservative). Bounded: `--rounds` rounds, each waiting at most 30 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.chat import free_port, start, stop  # noqa: E402

SDP = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" + (
    "a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0\r\n" * 40
)


def sessions(count: int, base: str) -> list[dict]:
    from listeners.models import PricingTier
    from tests.factories import UserFactory
    from tests.sessions.chat_factories import ChatOrderFactory, session_cookie

    UserFactory.reset_sequence(int(time.time()) % 10**7 * 10)
    pairs = []
    for _ in range(count):
        order = ChatOrderFactory(minutes=600)
        PricingTier.objects.filter(pk=order.tier_id).update(medium=PricingTier.Medium.VOICE)
        pairs.append(
            {
                "session": order.pk,
                "client": {"Cookie": f"sessionid={session_cookie(order.client)}"},
                "listener": {"Cookie": f"sessionid={session_cookie(order.listener.user)}"},
            }
        )
    return pairs


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(p * len(values)))] * 1000, 2)


async def run(pairs: list[dict], base: str, rounds: int) -> dict:
    from websockets.asyncio.client import connect

    origin = base.replace("ws://", "http://")

    async def open_ws(headers):
        ws = await connect(f"{base}/ws/chat/", origin=origin, additional_headers=headers)
        await ws.recv()  # hello
        return ws

    async def next_frame(ws, kind, **match):
        while True:
            frame = json.loads(await ws.recv())
            if os.environ.get("BENCH_DEBUG"):
                print(frame, flush=True)
            if frame["type"] == "error":
                raise RuntimeError(frame)
            if frame["type"] == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame

    sockets = [(p, await open_ws(p["client"]), await open_ws(p["listener"])) for p in pairs]
    signalling, setup, chat = [], [], []

    async def one_call(pair, client, listener):
        session = pair["session"]

        async def listener_side():
            ring = await next_frame(listener, "call.state", state="ringing")
            await listener.send(
                json.dumps({"type": "call.answer", "session": session, "call": ring["call"]})
            )
            offer = await next_frame(listener, "call.signal")
            answer = {"type": "answer", "sdp": offer["sdp"]["sdp"]}
            await listener.send(
                json.dumps(
                    {"type": "call.signal", "session": session, "call": ring["call"], "sdp": answer}
                )
            )

        side = asyncio.create_task(listener_side())
        started = time.perf_counter()
        await client.send(json.dumps({"type": "call.start", "session": session, "kind": "voice"}))
        connected = await next_frame(client, "call.state", state="connected")
        offered = time.perf_counter()
        offer = {"type": "offer", "sdp": SDP}
        await client.send(
            json.dumps(
                {"type": "call.signal", "session": session, "call": connected["call"], "sdp": offer}
            )
        )
        got = asyncio.create_task(next_frame(client, "call.signal"))
        await asyncio.wait({got, side}, return_when=asyncio.FIRST_EXCEPTION, timeout=30)
        if side.done() and side.exception():
            raise side.exception()
        await got
        done = time.perf_counter()
        await side
        signalling.append(done - offered)
        setup.append(done - started)
        ids = {"session": session, "call": connected["call"]}
        await client.send(json.dumps({"type": "call.media", **ids}))  # as a page does
        await client.send(json.dumps({"type": "call.hangup", **ids}))
        await next_frame(client, "call.state", state="ended")

    async def one_message(pair, client, listener, n):
        key = f"bench-{pair['session']}-{n}"
        sent = time.perf_counter()
        await client.send(
            json.dumps(
                {"type": "message.send", "session": pair["session"], "client_id": key, "text": key}
            )
        )
        while True:
            frame = json.loads(await listener.recv())
            if frame["type"] == "message.new" and frame.get("text") == key:
                chat.append(time.perf_counter() - sent)
                return

    for n in range(rounds):
        await asyncio.wait_for(asyncio.gather(*(one_call(*s) for s in sockets)), timeout=30)
        await asyncio.wait_for(asyncio.gather(*(one_message(*s, n) for s in sockets)), timeout=30)
    for _, client, listener in sockets:
        await client.close()
        await listener.close()
    return {
        "calls": len(pairs),
        "rounds": rounds,
        "signalling_p50_ms": pct(signalling, 0.5),
        "signalling_p99_ms": pct(signalling, 0.99),
        "setup_p50_ms": pct(setup, 0.5),
        "setup_p99_ms": pct(setup, 0.99),
        "chat_p50_ms": pct(chat, 0.5),
        "chat_p99_ms": pct(chat, 0.99),
        "signalling_mean_ms": round(statistics.fmean(signalling) * 1000, 2),
        "chat_mean_ms": round(statistics.fmean(chat) * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", default="bench/calls-results.json")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        from marketplace.embedded import start_postgres_for_process

        os.environ["DATABASE_URL"] = start_postgres_for_process(durable=True)
    redis_proc = None
    if not os.environ.get("REDIS_URL"):
        from marketplace.embedded import start_redis

        redis_proc, os.environ["REDIS_URL"] = start_redis()
    os.environ["DJANGO_SETTINGS_MODULE"] = "marketplace.settings.test"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING"}
    port = free_port()
    command = [sys.executable, "-m", "marketplace.webnode", "-b", "127.0.0.1", "-p", str(port)]
    server = start([*command, "marketplace.asgi:application"], env, port)
    try:
        base = f"ws://127.0.0.1:{port}"
        pairs = sessions(args.calls, base)
        from django.db import connection

        connection.close()
        result = asyncio.run(run(pairs, base, args.rounds))
    finally:
        stop(server)
        if redis_proc is not None:
            stop(redis_proc)
    result["load_average"] = os.getloadavg()
    Path(args.json).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
