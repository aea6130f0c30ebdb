"""`manage.py safety_assess`: stdin lines in, one JSON line per message out; with
`--conversation`, the running conversation level."""

import io
import json
import subprocess
import sys

from django.core.management import call_command


def _run(lines: list[str], *args: str) -> list[dict]:
    out = io.StringIO()
    call_command("safety_assess", *args, stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_one_json_line_per_message_with_level_signals_and_score():
    # when
    rows = _run(["我刚刚吞了一整瓶药", "", "笑死我了", "I want to kill myself"])
    # then: the blank line is skipped
    assert [(row["text"], row["level"], row["signals"]) for row in rows] == [
        ("我刚刚吞了一整瓶药", "imminent", ["act", "means"]),
        ("笑死我了", "none", []),
        ("I want to kill myself", "high", ["intent"]),
    ]
    assert all(0.0 <= row["score"] <= 1.0 for row in rows)


def test_conversation_prints_the_running_level():
    # when
    rows = _run(["一个人开车到了水库", "这里没有人", "手机快没电了，就这样吧"], "--conversation")
    # then
    assert [row["level"] for row in rows] == ["none", "none", "high"]
    assert [row["message"]["level"] for row in rows] == ["none", "none", "none"]
    assert rows[-1]["signals"] == ["farewell", "place"]


def test_the_command_reads_utf8_from_a_real_stdin():
    # given the command as staff run it, in its own process
    result = subprocess.run(
        [sys.executable, "manage.py", "safety_assess"],
        input="我想死\n".encode(),
        capture_output=True,
        check=True,
        timeout=120,
    )
    # then
    row = json.loads(result.stdout.decode("utf-8"))
    assert (row["text"], row["level"]) == ("我想死", "high")
