"""Chat delivery benchmark: daphne + Redis channel layer + PostgreSQL vs two relays.

    [DATABASE_URL=postgres://...] [REDIS_URL=redis://...] python bench/chat.py \
        --pairs 50 --rates 250,500,1000 --seconds 5 --layers pubsub,core --json out.json \
        [--systems relay,channels-relay,chat]

For each system and each offered rate, N client/listener pairs connect over real
websockets; clients send at the offered total rate (spread evenly over the pairs) and we
measure, at the listener, the delivery latency from the client's send. The chat path is
the full product path: origin check, session auth, validation, safety scan, the order
row lock, the INSERT with the next seq, commit, ack, then the push through Redis. Two
baselines run the same way in the same run: a bare `websockets` server that publishes
each message to Redis and forwards it from a Redis subscription to the listener
("relay"), and the product's own stack with nothing of ours ("channels-relay":
bench/channels_relay.py on as many daphne processes as the product, the same pub/sub
channel layer, a consumer that `group_send`s each frame to its pair's group and acks it;
no auth, no origin check, no database, no safety scan).

Prints p50/p99 delivery latency, delivered messages per second and server CPU time per
message (the web process(es), read from /proc) for each, the ratios (product over the
Channels relay: our share; Channels relay over the bare relay: the framework's), and
writes JSON. The load generator shares the machine, so figures are conservative.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import string
import subprocess
import sys
import time
from pathlib import Path

import uvloop

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    return sum(cpu_split(pid))


def cpu_split(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of a process, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def machine_cpu() -> dict[str, float]:
    """CPU seconds so far of the whole machine (busy time of every core) and of the
    programs sharing it with the servers: PostgreSQL (every backend), Redis, and this
    load generator. A backend that exits between two readings takes its share with it."""
    busy = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    del busy[3:5]  # idle, iowait
    totals = {"machine": sum(busy) / CLK_TCK, "postgres": 0.0, "redis": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
            if comm in ("postgres", "redis-server"):
                totals["postgres" if comm == "postgres" else "redis"] += cpu_seconds(
                    int(entry.name)
                )
        except (OSError, ValueError):
            continue  # the process ended while being read
    totals["load generator"] = cpu_seconds(os.getpid())
    return totals


# --- The baseline relay -----------------------------------------------------------------


async def relay_server(port: int, redis_url: str) -> None:
    import redis.asyncio as aioredis
    from websockets.asyncio.server import serve

    redis = aioredis.from_url(redis_url, max_connections=1000)

    async def handler(ws):
        _, role, pair = ws.request.path.split("/")
        channel = f"relay:{pair}"
        if role == "l":
            pubsub = redis.pubsub()
            await pubsub.subscribe(channel)
            await ws.send('{"type":"hello"}')
            try:
                async for item in pubsub.listen():
                    if item["type"] == "message":
                        await ws.send(item["data"].decode())
            finally:
                await pubsub.aclose()
        else:
            await ws.send('{"type":"hello"}')
            async for raw in ws:
                frame = json.loads(raw)
                await redis.publish(channel, raw)
                await ws.send(json.dumps({"type": "message.ack", "client_id": frame["client_id"]}))

    # No permessage-deflate, like daphne: the same frames on the wire for every system.
    async with serve(handler, "127.0.0.1", port, max_size=2**16, compression=None):
        await asyncio.Future()


# --- Load ---------------------------------------------------------------------------------


def letters_key() -> str:
    """A unique message key the safety scan leaves alone, so the listener recognises it.
    Letters only: digit runs that look like phone or card numbers are masked (a key like
    "b49-134-73554942"). And starting with "k": a key that happened to start like a
    messenger handle ("b-wxid..." reads "WeChat ID: ...") was masked too, about once in
    50,000 messages, and counted as lost."""
    return "k" + "".join(random.choices(string.ascii_lowercase, k=15))


async def run_load(
    *, pairs: list[dict], rate: float, seconds: float, on_ready=None, on_done=None
) -> dict:
    """pairs: [{"client": (uri, headers), "listener": (uri, headers), "session": id}]"""
    from websockets.asyncio.client import connect

    latencies: list[float] = []
    sent_at: dict[str, float] = {}
    counts = {"sent": 0, "acked": 0, "delivered": 0, "errors": 0}
    warming: set[str] = set()

    async def open_ws(uri, origin, headers):
        ws = await connect(
            uri, origin=origin, additional_headers=headers, max_size=2**20, compression=None
        )
        await ws.recv()  # hello
        return ws

    async def listen(ws):
        with contextlib.suppress(Exception):
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") in ("message.new", "message.send"):
                    key = frame["text"].split(" ", 1)[0]
                    if key in warming:
                        warming.discard(key)
                        continue
                    start = sent_at.pop(key, None)
                    if start is not None:
                        latencies.append(time.perf_counter() - start)
                        counts["delivered"] += 1

    async def drain(ws):
        with contextlib.suppress(Exception):
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "message.ack":
                    counts["acked"] += 1
                elif frame.get("type") == "error":
                    counts["errors"] += 1

    sockets = []
    for pair in pairs:
        client = await open_ws(*pair["client"])
        listener = await open_ws(*pair["listener"])
        sockets.append((pair, client, listener))
    tasks = [asyncio.create_task(listen(lst)) for _, _, lst in sockets]
    tasks += [asyncio.create_task(drain(cli)) for _, cli, _ in sockets]

    # Warm-up, not measured: one message per pair and its delivery, so the measured window
    # is the steady state (a session's first message also opens its reply clock).
    for pair, client, _listener in sockets:
        key = f"w-{letters_key()}"
        warming.add(key)
        frame = {"type": "message.send", "session": pair["session"], "client_id": key}
        await client.send(json.dumps({**frame, "text": f"{key} warm-up"}))
    for _ in range(100):
        if not warming:
            break
        await asyncio.sleep(0.1)
    counts["acked"] = 0
    interval = len(sockets) / rate
    if on_ready is not None:
        on_ready()  # every socket is connected: the measured window starts
    end = time.perf_counter() + seconds

    async def sender(n, pair, ws):
        await asyncio.sleep(random.random() * interval)
        i = 0
        next_at = time.perf_counter()
        while time.perf_counter() < end:
            client_id = f"b-{letters_key()}"
            frame = {
                "type": "message.send",
                "session": pair["session"],
                "client_id": client_id,
                "text": f"{client_id} 你好, 这是一条压测消息 {i}",
            }
            sent_at[client_id] = time.perf_counter()
            await ws.send(json.dumps(frame, ensure_ascii=False))
            counts["sent"] += 1
            i += 1
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))

    started = time.perf_counter()
    await asyncio.gather(*(sender(n, p, c) for n, (p, c, _l) in enumerate(sockets)))
    elapsed = time.perf_counter() - started
    # let in-flight messages land (bounded)
    for _ in range(50):
        if not sent_at:
            break
        await asyncio.sleep(0.1)
    if on_done is not None:
        on_done()  # before the sockets close (a web node then closes its database lanes)
    for _, client, listener in sockets:
        await client.close()
        await listener.close()
    for task in tasks:
        task.cancel()
    latencies.sort()

    def pct(p):
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    return {
        "offered_per_s": rate,
        "seconds": round(elapsed, 2),
        **counts,
        "lost": len(sent_at),
        "delivered_per_s": round(counts["delivered"] / elapsed, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else None,
    }


# --- Systems under test ------------------------------------------------------------------


def free_port() -> int:
    from marketplace.embedded import free_port as _free

    return _free()


def start(command: list[str], env: dict[str, str], port: int, cwd: Path = ROOT) -> subprocess.Popen:
    from marketplace.embedded import wait_for_port

    proc = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_for_port(port, timeout=30)
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def profile_start(directory: str | None, name: str, pid: int) -> subprocess.Popen | None:
    """py-spy sampling the server while it is measured (collapsed stacks, flamegraph.pl
    or speedscope read them)."""
    if not directory:
        return None
    Path(directory).mkdir(parents=True, exist_ok=True)
    out = Path(directory) / f"{name}.txt"
    command = ["py-spy", "record", "--pid", str(pid), "--format", "raw", "--rate", "250"]
    command += os.environ.get("BENCH_PROFILE_ARGS", "").split()  # e.g. "--gil"
    return subprocess.Popen(
        [*command, "--nonblocking", "--output", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def profile_stop(proc: subprocess.Popen | None) -> None:
    if proc is not None:
        proc.send_signal(2)  # SIGINT: py-spy writes its output and exits
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def nodes(n: int, bases: list[str]) -> tuple[str, str]:
    """Pair n's client and listener servers: the listener on the next server, so with two
    servers every chat is cross-node (as production scales out)."""
    return bases[n % len(bases)], bases[(n + 1) % len(bases)]


def chat_pairs(count: int, bases: list[str]) -> list[dict]:
    from tests.factories import UserFactory
    from tests.sessions.chat_factories import ChatOrderFactory, session_cookie

    # fresh phone numbers on every run: the benchmark database keeps earlier runs' rows
    UserFactory.reset_sequence(random.randrange(10**6, 9 * 10**7))
    pairs = []
    for n in range(count):
        order = ChatOrderFactory(minutes=600)
        client, listener = nodes(n, bases)
        origin = bases[0].replace("ws://", "http://")
        pairs.append(
            {
                "session": order.pk,
                "client": (
                    client + "/ws/chat/",
                    origin,
                    {"Cookie": f"sessionid={session_cookie(order.client)}"},
                ),
                "listener": (
                    listener + "/ws/chat/",
                    origin,
                    {"Cookie": f"sessionid={session_cookie(order.listener.user)}"},
                ),
            }
        )
    return pairs


def channels_relay_pairs(count: int, bases: list[str]) -> list[dict]:
    pairs = []
    for n in range(count):
        client, listener = nodes(n, bases)
        pairs.append(
            {
                "session": n,
                "client": (f"{client}/relay/c/{n}/", None, {}),
                "listener": (f"{listener}/relay/l/{n}/", None, {}),
            }
        )
    return pairs


def measure(name, procs, make_pairs, rates, seconds) -> list[dict]:
    procs = procs if isinstance(procs, list) else [procs]
    results = []
    for rate in rates:
        pairs = make_pairs()
        window = {}

        def started(window=window):
            window["cpu"] = sum(cpu_seconds(proc.pid) for proc in procs)
            window["sys"] = sum(cpu_split(proc.pid)[1] for proc in procs)
            window["machine"] = machine_cpu()
            window["at"] = time.monotonic()

        def done(window=window):
            window["machine_end"] = machine_cpu()
            window["seconds"] = time.monotonic() - window["at"]

        # CPU is counted from the moment every socket is connected (steady state: the
        # connects' session loads are not charged to the messages) to the last delivery.
        # The load generator shares the two cores with the servers: on uvloop it takes less.
        result = uvloop.run(
            run_load(pairs=pairs, rate=rate, seconds=seconds, on_ready=started, on_done=done)
        )
        cpu = sum(cpu_seconds(proc.pid) for proc in procs) - window["cpu"]
        result["server_cpu_s"] = round(cpu, 2)
        result["server_sys_s"] = round(sum(cpu_split(p.pid)[1] for p in procs) - window["sys"], 2)
        result["cpu_ms_per_msg"] = (
            round(cpu * 1000 / result["delivered"], 3) if result["delivered"] else None
        )
        # Everything else on the machine per message, and how busy its cores were
        delivered = max(1, result["delivered"])
        start, end = window["machine"], window["machine_end"]
        result["cpu_ms_per_msg_by_program"] = {
            program: round((end[program] - start[program]) * 1000 / delivered, 3)
            for program in ("postgres", "redis", "load generator")
        }
        result["machine_busy_percent"] = round(
            100 * (end["machine"] - start["machine"]) / window["seconds"], 1
        )
        result["system"] = name
        result["loadavg_1m"] = round(os.getloadavg()[0], 2)
        print(
            f"{name:>17} offered {rate:>6.0f}/s  delivered {result['delivered_per_s']:>7.1f}/s  "
            f"p50 {result['p50_ms']} ms  p99 {result['p99_ms']} ms  "
            f"cpu {result['cpu_ms_per_msg']} ms/msg  "
            f"lost {result['lost']} errors {result['errors']}  load {result['loadavg_1m']}\n"
            f"{'':>17} machine busy {result['machine_busy_percent']} % of "
            f"{100 * (os.cpu_count() or 1)} %; other programs, cpu ms/msg: "
            + ", ".join(f"{k} {v}" for k, v in result["cpu_ms_per_msg_by_program"].items()),
            flush=True,
        )
        results.append(result)
    return results


def best_under(results: list[dict], p99_ms: float) -> dict | None:
    ok = [r for r in results if r["p99_ms"] is not None and r["p99_ms"] < p99_ms and not r["lost"]]
    return max(ok, key=lambda r: r["delivered_per_s"]) if ok else None


def measure_daphne(
    name: str, application: str, env: dict[str, str], make_pairs, args, root: Path = ROOT
) -> list:
    """Start `args.servers` daphne processes serving `application` from the checkout
    `root`, spread the pairs over them (make_pairs(count, bases)), measure."""
    servers, profilers = [], []
    try:
        for n in range(args.servers):
            port = free_port()
            # daphne as the product runs it (on uvloop: marketplace/webnode.py)
            command = [sys.executable, "-m", "marketplace.webnode", "-b", "127.0.0.1"]
            command += ["-p", str(port)]
            daphne = start([*command, application], env, port, cwd=root)
            servers.append((daphne, f"ws://127.0.0.1:{port}"))
            profilers.append(profile_start(args.profile, f"{name}-{n}", daphne.pid))
        bases = [base for _, base in servers]
        return measure(
            name,
            [proc for proc, _ in servers],
            lambda: make_pairs(args.pairs, bases),
            args.rates_list,
            args.seconds,
        )
    finally:
        for profiler in profilers:
            profile_stop(profiler)
        for proc, _ in servers:
            stop(proc)


def measure_relay(env: dict[str, str], args) -> list[dict]:
    """The bare `websockets` relay (this script's `relay` mode), one process."""
    port = free_port()
    relay = start(
        [sys.executable, __file__, "relay", "--port", str(port), "--redis", env["REDIS_URL"]],
        env,
        port,
    )
    base = f"ws://127.0.0.1:{port}"

    def make_pairs():
        return [
            {
                "session": n,
                "client": (f"{base}/c/{n}", None, {}),
                "listener": (f"{base}/l/{n}", None, {}),
            }
            for n in range(args.pairs)
        ]

    try:
        return measure("relay", relay, make_pairs, args.rates_list, args.seconds)
    finally:
        stop(relay)


def print_ratios(systems: dict[str, list[dict]], framework: str) -> None:
    """Rate by rate, server CPU per message and p99 of the product over the daphne +
    Channels relay (the difference is ours) and of that relay over the bare relay (what
    the framework costs over the minimum)."""
    pairs = [(name, framework) for name in systems if name.startswith("chat-")]
    pairs.append((framework, "relay"))
    for upper, lower in pairs:
        if upper not in systems or lower not in systems:
            continue
        for high, low in zip(systems[upper], systems[lower], strict=True):
            cpu, p99 = "cpu n/a", "p99 n/a"
            if high["cpu_ms_per_msg"] and low["cpu_ms_per_msg"]:
                cpu = (
                    f"cpu {high['cpu_ms_per_msg']}/{low['cpu_ms_per_msg']} ms/msg "
                    f"= {high['cpu_ms_per_msg'] / low['cpu_ms_per_msg']:.2f}x "
                    f"({high['cpu_ms_per_msg'] - low['cpu_ms_per_msg']:+.2f} ms)"
                )
            if high["p99_ms"] and low["p99_ms"]:
                p99 = (
                    f"p99 {high['p99_ms']}/{low['p99_ms']} ms "
                    f"= {high['p99_ms'] / low['p99_ms']:.1f}x"
                )
            print(
                f"{upper:>17} / {lower:<17} at {high['offered_per_s']:>4.0f}/s  {cpu}  {p99}",
                flush=True,
            )


def pipeline(messages: int) -> dict:
    """In-process cost of `message_send` and of each of its steps: CPU and wall time and
    queries per message, with every step and with each step left out (the channel layer
    push is stubbed here; the socket benchmark measures it)."""
    from unittest import mock

    from django.db import connection

    from sessions.services import chat as chat_services
    from tests.factories import UserFactory
    from tests.sessions.chat_factories import ChatOrderFactory

    UserFactory.reset_sequence(random.randrange(10**6, 9 * 10**7))
    orders = [ChatOrderFactory(minutes=600) for _ in range(10)]
    # The pipeline's steps, each as (module, function name), to leave out one at a time.
    steps = [
        (chat_services, "step_push_message"),
        (chat_services.clocks, "step_reply_clock"),
        (chat_services.safety, "step_safety"),
    ]

    def run(count: int) -> dict:
        queries = []

        def counted(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            cpu, wall = time.process_time(), time.perf_counter()
            for i in range(count):
                order = orders[i % len(orders)]
                chat_services.message_send(
                    user=order.client,
                    order_id=order.pk,
                    client_id=f"p{random.getrandbits(48):x}",
                    text=f"{i} 你好, 这是一条压测消息 {i}",
                )
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        return {
            "cpu_ms_per_msg": round(cpu * 1000 / count, 3),
            "wall_ms_per_msg": round(wall * 1000 / count, 3),
            "queries_per_msg": round(len(queries) / count, 2),  # + BEGIN and COMMIT
        }

    report = {}
    with mock.patch("sessions.events.send_now"):
        run(50)  # warm up: connections, the first clocks
        report["all steps"] = run(messages)
        for module, name in steps:
            with mock.patch.object(module, name):
                report[f"without {module.__name__}.{name}"] = run(messages)
    for name, row in report.items():
        print(f"{name:>60}: {row}", flush=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", default="bench", choices=["bench", "relay", "pipeline"])
    parser.add_argument("--messages", type=int, default=1000, help="pipeline mode: messages")
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--rates", default="300,400,500,600")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--systems",
        default="relay,channels-relay,chat",
        help="which to measure: relay (bare websockets), channels-relay, chat (the product)",
    )
    parser.add_argument("--layers", default="pubsub")
    parser.add_argument(
        "--threads",
        default="0,4",
        help="CHAT_DB_THREADS values to measure (0 = the single thread-sensitive thread)",
    )
    parser.add_argument(
        "--servers", type=int, default=2, help="daphne processes (pairs are spread over them)"
    )
    parser.add_argument("--json", default="bench/chat-results.json")
    parser.add_argument("--port", type=int)
    parser.add_argument("--redis")
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="record each chat server with py-spy (pip install py-spy) into DIR/<system>.txt",
    )
    args = parser.parse_args()
    systems = set(args.systems.split(","))
    unknown = systems - {"relay", "channels-relay", "chat"}
    if unknown:
        parser.error(f"unknown --systems: {', '.join(sorted(unknown))}")

    if args.mode == "relay":
        uvloop.run(relay_server(args.port, args.redis))  # on the same loop as the web nodes
        return

    if not os.environ.get("DATABASE_URL"):
        # The embedded PostgreSQL, throwaway, with a real server's crash safety (fsync on)
        # so its figures compare with an installed server's; the web nodes inherit the URL.
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
    if args.mode == "pipeline":
        result = pipeline(args.messages)
        Path(args.json).write_text(json.dumps({"pipeline": result}, indent=2))
        print(f"wrote {args.json}")
        return
    args.rates_list = [float(r) for r in args.rates.split(",")]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING"}
    report: dict = {
        "pairs": args.pairs,
        "seconds": args.seconds,
        "cpus": os.cpu_count(),
        "systems": {},
    }
    suffix = f"-x{args.servers}" if args.servers > 1 else ""
    framework = f"channels-relay{suffix}"
    try:
        if "relay" in systems:
            report["systems"]["relay"] = measure_relay(env, args)
        if "channels-relay" in systems:
            # the product's channel layer (RedisPubSubChannelLayer) and process count
            report["systems"][framework] = measure_daphne(
                framework,
                "bench.channels_relay:application",
                {**env, "CHANNEL_LAYER": "pubsub"},
                channels_relay_pairs,
                args,
            )
        if "chat" in systems:
            for layer in args.layers.split(","):
                for threads in args.threads.split(","):
                    name = f"chat-{layer}-t{threads}{suffix}"
                    server_env = {**env, "CHANNEL_LAYER": layer, "CHAT_DB_THREADS": threads}
                    report["systems"][name] = measure_daphne(
                        name, "marketplace.asgi:application", server_env, chat_pairs, args
                    )
    finally:
        if redis_proc is not None:
            stop(redis_proc)

    print_ratios(report["systems"], framework)
    summary = {}
    baselines = {
        "fraction_of_relay": best_under(report["systems"].get("relay", []), 100),
        "fraction_of_channels_relay": best_under(report["systems"].get(framework, []), 100),
    }
    for name, results in report["systems"].items():
        best = best_under(results, 100)
        summary[name] = {
            "best_per_s_at_p99_under_100ms": best and best["delivered_per_s"],
            "p99_ms_there": best and best["p99_ms"],
            "cpu_ms_per_msg_there": best and best["cpu_ms_per_msg"],
        }
        for key, baseline in baselines.items():
            summary[name][key] = (
                round(best["delivered_per_s"] / baseline["delivered_per_s"], 3)
                if best and baseline
                else None
            )
        at500 = next((r for r in results if r["offered_per_s"] == 500), None)
        if at500:
            summary[name]["at_500_per_s"] = {
                k: at500[k] for k in ("delivered_per_s", "p50_ms", "p99_ms", "cpu_ms_per_msg")
            }
    report["summary"] = summary
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
