-- The archive fed by the outbox drain (server/src/outbox/): every ledger entry and every
-- registration, each kept once (primary keys; the drain inserts with ON CONFLICT DO NOTHING).

CREATE TABLE ledger_entries (
  id text PRIMARY KEY,
  account_id text NOT NULL,
  seq bigint NOT NULL,
  kind text NOT NULL,
  amount_micros bigint NOT NULL,
  balance_after_micros bigint NOT NULL CHECK (balance_after_micros >= 0),
  reason text NOT NULL,
  external_ref text,
  -- The product of a metered call's debit; null for every other entry.
  product_id text,
  created_at timestamptz NOT NULL,
  UNIQUE (account_id, seq)
);
CREATE INDEX ledger_entries_created_at ON ledger_entries (created_at);
CREATE INDEX ledger_entries_external_ref ON ledger_entries (account_id, external_ref);

CREATE TABLE accounts (
  id text PRIMARY KEY,
  telegram_id bigint NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX accounts_created_at ON accounts (created_at);
