-- Everything the outbox carries besides ledger entries and registrations (server/src/outbox/,
-- store/activity-events.ts): key events, payment events and operator actions. One table with
-- a category and an action, the rest as jsonb: a new kind of event needs no migration, and
-- an account's whole record is one indexed range. Each event is kept once (its id is fixed
-- when the store writes it; the drain inserts with ON CONFLICT DO NOTHING). No event holds a
-- secret or a key hash.

CREATE TABLE events (
  event_id text PRIMARY KEY,
  -- key | payment | account | operator
  category text NOT NULL,
  -- e.g. created, revoked (key); topup_completed, incident_recorded (payment); account_suspended (operator)
  action text NOT NULL,
  -- null: an event of no account (a payment incident that names none)
  account_id text,
  -- the key, top-up, Stars charge or incident the event is about; null: the account itself
  subject_id text,
  at timestamptz NOT NULL,
  data jsonb NOT NULL
);
CREATE INDEX events_account_at ON events (account_id, at);
CREATE INDEX events_category_at ON events (category, at);
