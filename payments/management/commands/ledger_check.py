"""`manage.py ledger_check`: verify every ledger invariant; exit 1 on any break."""

import sys

from django.core.management.base import BaseCommand

from payments.invariants import ledger_problems


class Command(BaseCommand):
    help = "Verify the ledger's invariants (balanced, non-negative, per-order conservation)."

    def handle(self, *args, **options):
        problems = ledger_problems()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            self.stderr.write(f"ledger_check: {len(problems)} problem(s)")
            sys.exit(1)
        self.stdout.write("ledger_check: ok")
