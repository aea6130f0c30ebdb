"""manage.py safety_export: what staff and listeners said about risk, as JSON lines of the
training corpus (docs/safety.md, "Export"), for a person to review before adding them to
the corpus. Texts are masked (no phone numbers or handles); nothing names a person."""

import json
import sys
from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date

from sessions.services.safety_labels import safety_export_lines


class Command(BaseCommand):
    help = "Write staff labels, escalation outcomes and listeners' escalations as corpus lines."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument("--since", help="Only what was labelled or opened since YYYY-MM-DD.")

    def handle(self, *args, **options):
        since = None
        if options["since"]:
            day = parse_date(options["since"])
            if day is None:
                raise CommandError("--since takes a date, YYYY-MM-DD.")
            since = timezone.make_aware(datetime.combine(day, time.min))
        lines = safety_export_lines(since=since)
        text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as out:
                out.write(text)
        else:
            sys.stdout.write(text)
        self.stderr.write(f"{len(lines)} lines; review them before adding them to the corpus.")
