import { MICROS_LIMIT } from './logic.js';

/**
 * Triggers that refuse (ABORT: the statement and its transaction change nothing) any
 * write of a money column that is not an integer within [minimum, MICROS_LIMIT]. An
 * INTEGER column takes whatever it is given (a JavaScript number past 2^63 is stored as
 * REAL), and a CHECK cannot be added to an existing table without copying it: triggers
 * hold the existing files to the same rule.
 */
function integerMoney(table: string, columns: Record<string, number>): string {
  const wrong = Object.entries(columns)
    .map(
      ([column, minimum]) =>
        `(NEW.${column} IS NOT NULL AND (typeof(NEW.${column}) <> 'integer' OR NEW.${column} < ${minimum} OR NEW.${column} > ${MICROS_LIMIT}))`,
    )
    .join(' OR ');
  const message = `${table}: ${Object.keys(columns).join(', ')} must be integers from their minimum to ${MICROS_LIMIT}`;
  return `
  CREATE TRIGGER ${table}_integer_money_insert BEFORE INSERT ON ${table} WHEN ${wrong}
  BEGIN SELECT RAISE(ABORT, '${message}'); END;
  CREATE TRIGGER ${table}_integer_money_update BEFORE UPDATE OF ${Object.keys(columns).join(', ')} ON ${table} WHEN ${wrong}
  BEGIN SELECT RAISE(ABORT, '${message}'); END;`;
}

/** A new revision: random (63 bits shifted to 52, exact in a JavaScript number), never a counter that a restored file would repeat. */
const NEW_REVISION = '(random() >> 11)';

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
  // 4: payments — which account each Telegram Stars charge was credited to (one row per
  // charge id across all accounts, written before the credit), and the incidents kept for
  // the operator (payments that moved no money: mismatches, conflicts, unknown charges).
  `
  CREATE TABLE stars_charges (
    charge_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    topup_id TEXT NOT NULL,
    created_at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE payment_incidents (
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    account_id TEXT,
    topup_id TEXT,
    detail TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  `,
  // 5: key permissions (a JSON array; NULL, as every key made before, reads as all of
  // them: records.ts). A change of them revises the account, like the other key bounds.
  `
  ALTER TABLE api_keys ADD COLUMN permissions TEXT;
  CREATE TRIGGER api_keys_revise_permissions AFTER UPDATE OF permissions ON api_keys
    WHEN OLD.permissions IS NOT NEW.permissions
  BEGIN
    UPDATE accounts SET rev = rev + 1 WHERE id = NEW.account_id;
  END;
  `,
  // 6: revisions are random, never a counter (auth-snapshots.ts: a restored file must not
  // repeat a revision an instance cached), and every money column holds integers in bounds.
  `
  DROP TRIGGER accounts_revise;
  DROP TRIGGER api_keys_revise;
  DROP TRIGGER api_keys_insert_revise;
  DROP TRIGGER api_keys_revise_permissions;
  CREATE TRIGGER accounts_revise AFTER UPDATE ON accounts
    WHEN OLD.status IS NOT NEW.status OR OLD.suspended_reason IS NOT NEW.suspended_reason
      OR OLD.low_balance_threshold_micros IS NOT NEW.low_balance_threshold_micros OR OLD.language_code IS NOT NEW.language_code
      OR OLD.username IS NOT NEW.username OR OLD.first_name IS NOT NEW.first_name OR OLD.last_name IS NOT NEW.last_name
      OR OLD.telegram_id IS NOT NEW.telegram_id
  BEGIN
    UPDATE accounts SET rev = ${NEW_REVISION} WHERE id = NEW.id;
  END;
  CREATE TRIGGER api_keys_revise AFTER UPDATE ON api_keys
    WHEN OLD.name IS NOT NEW.name OR OLD.prefix IS NOT NEW.prefix OR OLD.last_four IS NOT NEW.last_four OR OLD.hash IS NOT NEW.hash
      OR OLD.previous_hash IS NOT NEW.previous_hash OR OLD.previous_hash_expires_at IS NOT NEW.previous_hash_expires_at
      OR OLD.enabled IS NOT NEW.enabled OR OLD.revoked_at IS NOT NEW.revoked_at OR OLD.expires_at IS NOT NEW.expires_at
      OR OLD.allowed_products IS NOT NEW.allowed_products OR OLD.spend_limit_micros IS NOT NEW.spend_limit_micros
      OR OLD.spend_limit_period IS NOT NEW.spend_limit_period OR OLD.account_id IS NOT NEW.account_id
  BEGIN
    UPDATE accounts SET rev = ${NEW_REVISION} WHERE id = NEW.account_id;
  END;
  CREATE TRIGGER api_keys_revise_permissions AFTER UPDATE OF permissions ON api_keys
    WHEN OLD.permissions IS NOT NEW.permissions
  BEGIN
    UPDATE accounts SET rev = ${NEW_REVISION} WHERE id = NEW.account_id;
  END;
  CREATE TRIGGER api_keys_insert_revise AFTER INSERT ON api_keys
  BEGIN
    UPDATE accounts SET rev = ${NEW_REVISION} WHERE id = NEW.account_id;
  END;
  CREATE TRIGGER accounts_insert_revise AFTER INSERT ON accounts
  BEGIN
    UPDATE accounts SET rev = ${NEW_REVISION} WHERE id = NEW.id;
  END;
  ${integerMoney('accounts', { balance_micros: 0, low_balance_threshold_micros: 0 })}
  ${integerMoney('api_keys', { spend_limit_micros: 0, spent_micros: 0 })}
  ${integerMoney('ledger', { amount_micros: -MICROS_LIMIT, balance_after_micros: 0 })}
  ${integerMoney('topups', { amount_micros: 0, stars: 0 })}
  ${integerMoney('usage_daily', { cost_micros: 0 })}
  `,
  // 7: open reservations of proxied calls (types.ts CallState). A reserve already writes
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
  // 8: settling a call without writing its row. Each store object (one per process) takes
  // an instance number when it opens and writes it into the debit rows it reserves; a
  // batch of settlements then closes every call of that instance below a sequence number
  // (sqlite-reserved-calls.ts) with one row per account here, instead of one ledger row
  // update per call (about 10 % of a proxied call's throughput). A debit row's call is
  // open while `open_call` is set, its sequence number is at or above the account's
  // `open_calls_from_seq` and below its instance's watermark.
  `
  CREATE TABLE store_instances (id INTEGER PRIMARY KEY AUTOINCREMENT, opened_at TEXT NOT NULL);
  ALTER TABLE ledger ADD COLUMN call_instance INTEGER;
  CREATE TABLE call_watermarks (
    account_id TEXT NOT NULL, instance INTEGER NOT NULL, settled_below_seq INTEGER NOT NULL,
    PRIMARY KEY (account_id, instance)
  ) WITHOUT ROWID;
  `,
  // 9: where the first key's secret was shown ('bot' or 'mini_app'; NULL for older accounts).
  `
  ALTER TABLE accounts ADD COLUMN first_key_shown_in TEXT;
  `,
  // 10: the outbox that PostgreSQL is fed from (server/src/outbox/), written in the transaction
  // of the change it records, only by a store opened with \`outbox: true\` (DATABASE_URL set):
  // one more row per ledger entry then, none without it. Rows leave once PostgreSQL has them.
  `
  CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, account_id TEXT NOT NULL, at TEXT NOT NULL, event TEXT NOT NULL);
  `,
];
