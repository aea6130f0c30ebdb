"""`manage.py ledger_check`: verify every ledger invariant, and that Stripe knows every
capture the ledger recorded; exit 1 on any break."""

import sys

from django.core.management.base import BaseCommand

from payments.invariants import ledger_problems, stripe_capture_problems


class Command(BaseCommand):
    help = (
        "Verify the ledger's invariants (balanced, non-negative, per-order conservation) and "
        "that each recorded capture is a succeeded PaymentIntent at Stripe."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--skip-stripe",
            action="store_true",
            help="Check the ledger only; do not ask Stripe about recorded captures.",
        )

    def handle(self, *args, **options):
        problems = ledger_problems()
        if not options["skip_stripe"]:
            problems += stripe_capture_problems()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            self.stderr.write(f"ledger_check: {len(problems)} problem(s)")
            sys.exit(1)
        self.stdout.write("ledger_check: ok")
