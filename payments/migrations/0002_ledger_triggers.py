"""PostgreSQL guards of the ledger (as in django-hordak):

- journal rows (transactions and entries) refuse UPDATE and DELETE;
- a DEFERRED constraint trigger checks at commit that every transaction touched has at
  least two legs summing to zero, and that no account flagged non-negative (escrow,
  listener payable) ends below zero.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION payments_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER payments_entry_append_only
    BEFORE UPDATE OR DELETE ON payments_entry
    FOR EACH ROW EXECUTE FUNCTION payments_refuse_change();
CREATE TRIGGER payments_ledgertransaction_append_only
    BEFORE UPDATE OR DELETE ON payments_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION payments_refuse_change();

CREATE OR REPLACE FUNCTION payments_check_entry() RETURNS trigger AS $$
DECLARE
    legs integer;
    total bigint;
    must_hold boolean;
    balance bigint;
BEGIN
    SELECT count(*), coalesce(sum(amount_fen), 0) INTO legs, total
        FROM payments_entry WHERE transaction_id = NEW.transaction_id;
    IF legs < 2 OR total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % is unbalanced (% legs, sum %)',
            NEW.transaction_id, legs, total
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT non_negative INTO must_hold FROM payments_account WHERE id = NEW.account_id;
    IF must_hold THEN
        SELECT coalesce(sum(amount_fen), 0) INTO balance
            FROM payments_entry WHERE account_id = NEW.account_id;
        IF balance < 0 THEN
            RAISE EXCEPTION 'account % would go negative (%)', NEW.account_id, balance
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER payments_entry_balanced
    AFTER INSERT ON payments_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION payments_check_entry();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS payments_entry_balanced ON payments_entry;
DROP FUNCTION IF EXISTS payments_check_entry();
DROP TRIGGER IF EXISTS payments_entry_append_only ON payments_entry;
DROP TRIGGER IF EXISTS payments_ledgertransaction_append_only ON payments_ledgertransaction;
DROP FUNCTION IF EXISTS payments_refuse_change();
"""


def forward(apps, schema_editor):
    schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_ledger_payments_refunds")]

    operations = [migrations.RunPython(forward, backward)]
