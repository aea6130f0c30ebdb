"""`manage.py safety_assess`: the risk assessment of messages read from standard input,
one per line (UTF-8), one JSON line each on standard output (docs/safety.md).

    echo "我想死" | python manage.py safety_assess
    python manage.py safety_assess --conversation < messages.txt

With `--conversation` the lines are one client's consecutive messages, oldest first, and
each output line is the running conversation level after that message (and the message's
own level under "message").
"""

import json
import sys

from django.core.management.base import BaseCommand

from sessions.risk import assess_conversation, assess_message


class Command(BaseCommand):
    stealth_options = ("stdin",)  # call_command(..., stdin=StringIO(...)) in tests
    help = (
        "Assess crisis risk of messages from stdin (one per line); print one JSON line per "
        "message with level, signals and score."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--conversation",
            action="store_true",
            help="treat the lines as one client's consecutive messages; print the running level",
        )

    def handle(self, *args, **options):
        stdin = options.get("stdin") or sys.stdin
        history: list[str] = []
        for raw in stdin:
            text = raw.rstrip("\r\n")
            if not text.strip():
                continue
            message = assess_message(text)
            row = {"text": text, **message.as_dict()}
            if options["conversation"]:
                history.append(text)
                running = assess_conversation(history)
                row = {"text": text, **running.as_dict(), "message": message.as_dict()}
            self.stdout.write(json.dumps(row, ensure_ascii=False))
