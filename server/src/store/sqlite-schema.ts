/**
 * The SQLite schema as numbered migrations. `schema_migrations` records which ran; a new
 * change is a new entry at the end, never an edit of an old one.
 */
export const MIGRATIONS: string[] = [
  // 1: everything the store keeps
  `
  CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    telegram_id INTEGER NOT NULL UNIQUE,
    username TEXT, first_name TEXT, last_name TEXT, language_code TEXT,
    status TEXT NOT NULL,
    suspended_reason TEXT,
    balance_micros INTEGER NOT NULL CHECK (balance_micros >= 0),
    low_balance_threshold_micros INTEGER,
    low_balance_notified INTEGER NOT NULL DEFAULT 0,
    ledger_seq INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
  );
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL, prefix TEXT NOT NULL, last_four TEXT NOT NULL,
    hash TEXT NOT NULL,
    previous_hash TEXT, previous_hash_expires_at TEXT,
    enabled INTEGER NOT NULL,
    revoked_at TEXT, expires_at TEXT,
    allowed_products TEXT,
    spend_limit_micros INTEGER, spend_limit_period TEXT,
    spent_micros INTEGER NOT NULL DEFAULT 0, spend_period_start TEXT,
    created_at TEXT NOT NULL, last_used_at TEXT
  );
  CREATE INDEX api_keys_by_account ON api_keys (account_id);
  CREATE TABLE key_hashes (hash TEXT PRIMARY KEY, account_id TEXT NOT NULL, key_id TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE ledger (
    account_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    amount_micros INTEGER NOT NULL,
    balance_after_micros INTEGER NOT NULL CHECK (balance_after_micros >= 0),
    reason TEXT NOT NULL,
    external_ref TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (account_id, seq)
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX ledger_external_ref ON ledger (account_id, external_ref) WHERE external_ref IS NOT NULL;
  CREATE TABLE rate_limits (
    account_id TEXT NOT NULL, bucket TEXT NOT NULL,
    window_start INTEGER NOT NULL, used INTEGER NOT NULL, expires_at_ms INTEGER NOT NULL,
    PRIMARY KEY (account_id, bucket)
  ) WITHOUT ROWID;
  CREATE TABLE usage_daily (
    account_id TEXT NOT NULL, day TEXT NOT NULL, product_id TEXT NOT NULL, key_id TEXT NOT NULL,
    requests INTEGER NOT NULL, errors INTEGER NOT NULL, cost_micros INTEGER NOT NULL, latency_ms_total INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    PRIMARY KEY (account_id, day, product_id, key_id)
  ) WITHOUT ROWID;
  CREATE INDEX usage_daily_expiry ON usage_daily (expires_at_ms);
  CREATE TABLE usage_events (id INTEGER PRIMARY KEY AUTOINCREMENT, account_id TEXT NOT NULL, event TEXT NOT NULL);
  CREATE INDEX usage_events_by_account ON usage_events (account_id, id);
  CREATE TABLE topups (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    method TEXT NOT NULL, amount_micros INTEGER NOT NULL, stars INTEGER, status TEXT NOT NULL,
    checkout_url TEXT, invoice_link TEXT, provider_ref TEXT, ledger_entry_id TEXT,
    created_at TEXT NOT NULL, completed_at TEXT
  );
  CREATE TABLE idempotency (
    scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, expires_at_ms INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
  ) WITHOUT ROWID;
  CREATE TABLE seen (namespace TEXT NOT NULL, id TEXT NOT NULL, expires_at_ms INTEGER NOT NULL, PRIMARY KEY (namespace, id)) WITHOUT ROWID;
  `,
  // 2: rate-limit windows are counted in process memory (rate-windows.ts)
  `DROP TABLE rate_limits;`,
  // 3: the account's revision, bumped by every change to a field of the account or of one
  // of its keys that does not change per call (auth-snapshots.ts); triggers keep it, so no
  // statement can forget it. Per-call fields (balance, spend, last use) do not bump it.
  `
  ALTER TABLE accounts ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
  CREATE TRIGGER accounts_revise AFTER UPDATE ON accounts
    WHEN OLD.status IS NOT NEW.status OR OLD.suspended_reason IS NOT NEW.suspended_reason
      OR OLD.low_balance_threshold_micros IS NOT NEW.low_balance_threshold_micros OR OLD.language_code IS NOT NEW.language_code
      OR OLD.username IS NOT NEW.username OR OLD.first_name IS NOT NEW.first_name OR OLD.last_name IS NOT NEW.last_name
      OR OLD.telegram_id IS NOT NEW.telegram_id
  BEGIN
    UPDATE accounts SET rev = rev + 1 WHERE id = NEW.id;
  END;
  CREATE TRIGGER api_keys_revise AFTER UPDATE ON api_keys
    WHEN OLD.name IS NOT NEW.name OR OLD.prefix IS NOT NEW.prefix OR OLD.last_four IS NOT NEW.last_four OR OLD.hash IS NOT NEW.hash
      OR OLD.previous_hash IS NOT NEW.previous_hash OR OLD.previous_hash_expires_at IS NOT NEW.previous_hash_expires_at
      OR OLD.enabled IS NOT NEW.enabled OR OLD.revoked_at IS NOT NEW.revoked_at OR OLD.expires_at IS NOT NEW.expires_at
      OR OLD.allowed_products IS NOT NEW.allowed_products OR OLD.spend_limit_micros IS NOT NEW.spend_limit_micros
      OR OLD.spend_limit_period IS NOT NEW.spend_limit_period OR OLD.account_id IS NOT NEW.account_id
  BEGIN
    UPDATE accounts SET rev = rev + 1 WHERE id = NEW.account_id;
  END;
  CREATE TRIGGER api_keys_insert_revise AFTER INSERT ON api_keys
  BEGIN
    UPDATE accounts SET rev = rev + 1 WHERE id = NEW.account_id;
  END;
  `,
  // 4: open reservations of proxied calls (types.ts CallState). A reserve already writes
  // its ledger row and its account row, so the open call lives in those: the debit row
  // holds the call's record (logic.ts encodeCallRecord) until the call is settled or
  // refunded, and the account counts its open calls and the sequence number from which
  // they may be found. No other table or index is written per call: a second b-tree
  // page per reserve cost ~10 µs of CPU, 5 % of a proxied call.
  `
  ALTER TABLE ledger ADD COLUMN open_call TEXT;
  ALTER TABLE accounts ADD COLUMN open_calls INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE accounts ADD COLUMN open_calls_from_seq INTEGER NOT NULL DEFAULT 0;
  `,
];
