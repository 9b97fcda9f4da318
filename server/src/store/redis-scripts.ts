/**
 * Lua scripts of the Redis adapter. Each one touches only keys passed in KEYS, all under
 * one account's hash tag, so they run unchanged on Redis Cluster. Each one decides
 * everything before its first write: Redis does not roll a failed script back.
 *
 * Numbers cross the Lua boundary as decimal strings (`fmt`): Lua's tostring() would print
 * large integers in exponent form. The rules mirror `logic.ts`.
 *
 * Revisions: the account hash's `rev` field is replaced by every change to a field of the
 * account or of one of its keys that does not change on every call (status, threshold,
 * language, a key's hashes, revocation, enabled flag, expiry, products, spend limit), with
 * a token the caller makes unique per change (`newRevision` in `auth-snapshots.ts`), never
 * a counter: after Redis loses its last writes a counter would hand out again a number an
 * instance already cached, while a token never repeats. The
 * server keeps a snapshot of each key and its account with the revision it was read at
 * (`auth-snapshots.ts`), checks the key against it, and sends the revision to AUTHORIZE
 * and RESERVE: while it is current they read and return only the per-call fields
 * (balance, spend, last use), so a revocation through any server is still seen by the
 * very next request everywhere.
 */

import { MAX_CHANGE_MICROS, MAX_TIME_MS, MICROS_LIMIT } from './logic.js';
import { KEY_EVENT_FIELDS } from './records.js';

/**
 * Activity events (records.ts encodeActivityEvent), pushed to the outbox in KEYS by the
 * change they record. An empty event means the store keeps no outbox: nothing is pushed.
 */
const EVENTS_LIB = String.raw`
local function push_event(outbox, event) if event ~= '' then redis.call('RPUSH', outbox, event) end end
-- records.ts activityEventHead / completeActivityEvent: the head completed with a value only the script knows.
local function push_event_with(outbox, head, value)
  if head ~= '' then redis.call('RPUSH', outbox, head .. cjson.encode(value) .. '}}') end
end
-- records.ts keyEventFields (KEY_EVENT_FIELDS): what a key event shows of a key; never its hashes.
local KEY_EVENT_FIELDS = { ${KEY_EVENT_FIELDS.map((field) => `'${field}'`).join(', ')} }
local function key_event_fields(key)
  local values = redis.call('HMGET', key, unpack(KEY_EVENT_FIELDS))
  local fields = {}
  for i, name in ipairs(KEY_EVENT_FIELDS) do if values[i] then fields[name] = values[i] end end
  return fields
end
`;

const LIB =
  String.raw`
local function fmt(n) return string.format('%d', n) end
local function num(v) if v == nil or v == false then return nil end return tonumber(v) end
-- logic.ts checkedMicros: an integer within [min, max], or nil. tonumber alone lets through
-- fractions, NaN and values past 2^53 (which fmt would then wrap); every bound here is far
-- inside the range where Lua's doubles hold integers exactly.
local MAX_CHANGE = ` +
  MAX_CHANGE_MICROS +
  String.raw`
local MICROS_LIMIT = ` +
  MICROS_LIMIT +
  String.raw`
local MAX_TIME_MS = ` +
  MAX_TIME_MS +
  String.raw`
local function int_in(v, min, max)
  local n = num(v)
  if n == nil or n ~= n or n < min or n > max or math.floor(n) ~= n then return nil end
  return n
end
-- logic.ts releasedSpend (isCurrentSpendPeriod): a refund gives a key's spend back (not below 0) when the key's
-- period is still the one of the refund. The new spent_micros, or nil when nothing changes.
-- key: the key's fields (hgetall); daily, weekly, monthly: each period's start (ms) now.
local function released_spend(key, amount, daily, weekly, monthly)
  if key.id == nil then return nil end
  local period = key.spend_limit_period
  local current = true
  if period == 'daily' then current = key.spend_period_start_ms == daily
  elseif period == 'weekly' then current = key.spend_period_start_ms == weekly
  elseif period == 'monthly' then current = key.spend_period_start_ms == monthly end
  if not current then return nil end
  return math.max(0, (int_in(key.spent_micros, 0, MICROS_LIMIT) or 0) - amount)
end
local function hgetall(key)
  local flat = redis.call('HGETALL', key)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t, flat
end

-- logic.ts keyRefusal (with keyStatus: revoked, then disabled, then expired)
local function key_refusal(key, account, hash, now_ms)
  if key.id == nil then return 'key_not_found' end
  if key.hash ~= hash then
    local grace_ends = num(key.previous_hash_expires_ms)
    if key.previous_hash ~= hash or grace_ends == nil or now_ms >= grace_ends then return 'key_not_found' end
  end
  if key.revoked_at ~= nil then return 'key_revoked' end
  if key.enabled ~= '1' then return 'key_disabled' end
  local expires = num(key.expires_ms)
  if expires ~= nil and now_ms >= expires then return 'key_expired' end
  if account.id == nil then return 'account_not_found' end
  if account.status ~= 'active' then return 'account_suspended' end
  return nil
end

-- logic.ts callRefusal (permissions are stored as a JSON array of quoted names; absent: every one)
local function call_refusal(key, product)
  if key.permissions ~= nil and not string.find(key.permissions, '"products:call"', 1, true) then return 'permission_denied' end
  if key.allowed_products ~= nil then
    for _, allowed in ipairs(cjson.decode(key.allowed_products)) do
      if allowed == product then return nil end
    end
    return 'product_not_allowed'
  end
  return nil
end

-- logic.ts balanceCrossing; returns crossed ('' for none) and the new flag ('1'/'0')
local function crossing(account, old, new)
  local threshold = num(account.low_balance_threshold_micros)
  local notified = account.low_balance_notified == '1'
  if new < old then
    if new == 0 and old > 0 then return 'exhausted', '1' end
    if threshold ~= nil and new < threshold and not notified then return 'low', '1' end
  elseif new > old and notified then
    local level = 0
    if threshold ~= nil then level = threshold + math.ceil(threshold / 10) end
    if new > 0 and new >= level then return 'recovered', '0' end
  end
  if notified then return '', '1' end
  return '', '0'
end

-- Fixed-window rate limits. All of an account's windows live in one hash, KEYS[rl]: per
-- bucket the fields '<bucket>:s' (the window's start) and '<bucket>:c' (its count), so a
-- request reads them in one HMGET and counts in one HSET. Rules are ARGV triples from
-- index 'at': bucket, limit, window_ms. Returns the states and the first rule over its limit.
local function rate_check(rl, at, count, now_ms)
  local states = {}
  if int_in(count, 0, 1000) == nil then error('invalid argument: rate limit rule count') end
  if count == 0 then return states, nil end
  local fields = {}
  for i = 1, count do
    local bucket = ARGV[at + (i - 1) * 3]
    fields[i * 2 - 1] = bucket .. ':s'
    fields[i * 2] = bucket .. ':c'
  end
  local stored = redis.call('HMGET', KEYS[rl], unpack(fields))
  local limited = nil
  for i = 1, count do
    local limit = int_in(ARGV[at + (i - 1) * 3 + 1], 0, MAX_TIME_MS)
    local window = int_in(ARGV[at + (i - 1) * 3 + 2], 1, MAX_TIME_MS)
    if limit == nil or window == nil then error('invalid argument: rate limit rule ' .. i) end
    local start = now_ms - (now_ms % window)
    local used = 0
    if tonumber(stored[i * 2 - 1]) == start then used = tonumber(stored[i * 2]) or 0 end
    states[i] = { used, start, window, start + window - now_ms, fields[i * 2 - 1], fields[i * 2] }
    if limited == nil and used + 1 > limit then limited = i end
  end
  return states, limited
end

-- Counts the request in every window, with the hash's expiry in the same atomic step: no
-- counter ever lives without a TTL. The expiry is set when a window starts and only ever
-- grows (to that window's length), so no window's counter goes before its end, and the
-- hash goes once the account has been idle for its longest window.
local function rate_commit(rl, states)
  if #states == 0 then return end
  local values = {}
  local ttl = 0
  for _, s in ipairs(states) do
    if s[1] == 0 and s[3] > ttl then ttl = s[3] end
    s[1] = s[1] + 1
    values[#values + 1] = s[5]
    values[#values + 1] = fmt(s[2])
    values[#values + 1] = s[6]
    values[#values + 1] = fmt(s[1])
  end
  redis.call('HSET', KEYS[rl], unpack(values))
  if ttl > 0 and redis.call('PTTL', KEYS[rl]) < ttl then redis.call('PEXPIRE', KEYS[rl], ttl) end
end

local function rate_reply(states)
  local out = {}
  for i, s in ipairs(states) do out[i] = { fmt(s[1]), fmt(s[4]) } end
  return out
end

-- The outbox (server/src/outbox/, records.ts parseOutboxEvent): a list under the account's
-- tag that the change it records RPUSHes to. The account key in the outbox's place in KEYS
-- means the store keeps no outbox (no DATABASE_URL): nothing is pushed.
local function outbox_of(key) if key ~= KEYS[1] then return key end return nil end
local function push_ledger_event(outbox, seq, entry, product)
  if outbox then
    redis.call('RPUSH', outbox, '{"type":"ledger","seq":' .. fmt(seq) .. ',"product_id":' .. (product and cjson.encode(product) or 'null') .. ',"entry":' .. entry .. '}')
  end
end

-- Appends a ledger entry; the sorted set's score is the account's ledger sequence.
local function append_entry(account_key, ledger_key, refs_key, id, kind, amount, balance_after, reason, ref, created_at, outbox)
  local seq = redis.call('HINCRBY', account_key, 'ledger_seq', 1)
  local entry = cjson.encode({ id = id, kind = kind, amount_micros = fmt(amount), balance_after_micros = fmt(balance_after),
    reason = reason, external_ref = ref, created_at = created_at })
  redis.call('ZADD', ledger_key, seq, entry)
  if ref ~= '' then redis.call('HSET', refs_key, ref, seq) end
  push_ledger_event(outbox, seq, entry, nil)
  return entry
end


-- A reference maps to its entry's sequence number, or (TRIM_LEDGER archived the entry) to the
-- entry itself, kept so that the reference still answers as applied.
local function entry_by_ref(ledger_key, refs_key, ref)
  if ref == '' then return nil end
  local seq = redis.call('HGET', refs_key, ref)
  if not seq then return nil end
  if string.sub(seq, 1, 1) == '{' then return seq end
  return redis.call('ZRANGEBYSCORE', ledger_key, seq, seq)[1]
end
`;

/**
 * KEYS: account, ledger, ledger refs, the outbox (the account again: none), and for a refund
 *       that releases spend: the key.
 * ARGV: 1 kind, 2 amount, 3 reason, 4 external_ref ('' for none), 5 entry id, 6 created_at,
 *       7 on_insufficient, 8 the balance ceiling, 9 the new revision (used when the change
 *       suspends the account), then 10..12 daily/weekly/monthly period start ms at created_at.
 * Reply: {'invalid', what} | {'not_found'} | {'duplicate', entry, balance} | {'insufficient', balance}
 *      | {'balance_limit', balance, ceiling} | {'applied', entry, balance, crossed, shortfall}
 */
export const APPLY_LEDGER =
  LIB +
  String.raw`
-- logic.ts ledgerChangeRefusal: every number is checked before anything is read or written.
local amount = int_in(ARGV[2], -MAX_CHANGE, MAX_CHANGE)
if amount == nil or amount == 0 then return { 'invalid', 'amount_micros' } end
local ceiling = int_in(ARGV[8], 1, MICROS_LIMIT)
if ceiling == nil then return { 'invalid', 'balance ceiling' } end
local account = hgetall(KEYS[1])
if account.id == nil then return { 'not_found' } end
local previous = entry_by_ref(KEYS[2], KEYS[3], ARGV[4])
if previous then return { 'duplicate', previous, account.balance_micros } end
local old = int_in(account.balance_micros, 0, MICROS_LIMIT)
if old == nil then return { 'invalid', 'stored balance_micros' } end
local shortfall = 0
if old + amount < 0 then
  if ARGV[7] ~= 'clamp_and_suspend' then return { 'insufficient', account.balance_micros } end
  shortfall = -(old + amount)
  amount = -old
end
local new = old + amount
-- An increase never takes the balance past the ceiling (a decrease always goes through).
if amount > 0 and new > ceiling then return { 'balance_limit', account.balance_micros, fmt(ceiling) } end
local crossed, notified = crossing(account, old, new)
-- logic.ts releasedSpend
local released_spent = nil
if KEYS[5] and ARGV[1] == 'refund' and amount > 0 then
  released_spent = released_spend(hgetall(KEYS[5]), amount, ARGV[10], ARGV[11], ARGV[12])
end
if released_spent ~= nil then redis.call('HSET', KEYS[5], 'spent_micros', fmt(released_spent)) end
redis.call('HSET', KEYS[1], 'balance_micros', fmt(new), 'low_balance_notified', notified)
if shortfall > 0 then
  redis.call('HSET', KEYS[1], 'status', 'suspended', 'suspended_reason', 'insufficient_funds: shortfall of ' .. fmt(shortfall) .. ' micro-USD', 'rev', ARGV[9])
end
local entry = append_entry(KEYS[1], KEYS[2], KEYS[3], ARGV[5], ARGV[1], amount, new, ARGV[3], ARGV[4], ARGV[6], outbox_of(KEYS[4]))
return { 'applied', entry, fmt(new), crossed, fmt(shortfall) }
`;

/**
 * KEYS: account, key, the account's rate windows.
 * ARGV: 1 hash, 2 now_ms, 3 the caller's snapshot revision ('' none), 4 rule count, then
 *       bucket, limit and window_ms per rule.
 * Reply: {'refused', reason} | {'rate_limited', index, states}
 *      | {'ok', account, key, states, rev} (whole records)
 *      | {'current', balance, low_balance_notified, spent, spend_period_start, last_used_at, states}
 *        when the caller's snapshot of the account and key is still at revision `rev`: only
 *        the fields that change without a revision are read and sent back.
 */
export const AUTHORIZE =
  LIB +
  String.raw`
local now_ms = int_in(ARGV[2], 0, MAX_TIME_MS)
if now_ms == nil then error('invalid argument: now_ms') end
local head = redis.call('HMGET', KEYS[1], 'rev', 'balance_micros', 'low_balance_notified')
local rev = head[1] or '0'
if ARGV[3] ~= '' and ARGV[3] == rev then
  -- The caller checked its snapshot (valid key, active account) at this revision and now_ms.
  local states, limited = rate_check(3, 5, tonumber(ARGV[4]), now_ms)
  if limited then return { 'rate_limited', limited, rate_reply(states) } end
  rate_commit(3, states)
  local k = redis.call('HMGET', KEYS[2], 'spent_micros', 'spend_period_start', 'last_used_at')
  return { 'current', head[2], head[3] or '0', k[1] or '0', k[2] or '', k[3] or '', rate_reply(states) }
end
local account, account_flat = hgetall(KEYS[1])
local key, key_flat = hgetall(KEYS[2])
local refusal = key_refusal(key, account, ARGV[1], now_ms)
if refusal then return { 'refused', refusal } end
local states, limited = rate_check(3, 5, tonumber(ARGV[4]), now_ms)
if limited then return { 'rate_limited', limited, rate_reply(states) } end
rate_commit(3, states)
return { 'ok', account_flat, key_flat, rate_reply(states), rev }
`;

/**
 * KEYS: account, the account's rate windows.
 * ARGV: now_ms, rule count, then bucket, limit and window_ms per rule.
 * Reply: {'refused', 'account_not_found'} | {'rate_limited', index, states} | {'ok', account, states}
 */
export const LIMIT_ACCOUNT =
  LIB +
  String.raw`
local now_ms = int_in(ARGV[1], 0, MAX_TIME_MS)
if now_ms == nil then error('invalid argument: now_ms') end
local account, account_flat = hgetall(KEYS[1])
if account.id == nil then return { 'refused', 'account_not_found' } end
local states, limited = rate_check(2, 3, tonumber(ARGV[2]), now_ms)
if limited then return { 'rate_limited', limited, rate_reply(states) } end
rate_commit(2, states)
return { 'ok', account_flat, rate_reply(states) }
`;

/**
 * KEYS: account, key, ledger, ledger refs, the account's rate windows, the account's open calls,
 *       the outbox (the account again: none).
 * ARGV (the last one is the call's record for the open calls, `encodeCallRecord`): 1 hash, 2 now_ms, 3 product, 4 price, 5 external_ref, 6 reason, 7 entry id, 8 created_at,
 *       9..14 daily/weekly/monthly period start (ms, ISO), 15 the caller's snapshot revision
 *       ('' none), 16 '1' when the snapshot's key may call the product, else logic.ts callRefusal's
 *       reason ('' without a snapshot), 17 the new entry as
 *       JSON up to the value of balance_after_micros (encoded by the caller, with 7 and 8),
 *       18 rule count, then bucket, limit and window per rule.
 * Reply: {'refused', reason} | {'rate_limited', index, states} | {'product_not_allowed'} | {'permission_denied'}
 *      | {'spend_limit', limit, spent, period} | {'insufficient', balance}
 *      | {'ok', entry, account, key, crossed, states, rev} (crossed '' for none; on a repeated
 *        external_ref the first entry is returned and nothing is written or counted)
 *      | {'current', balance, low_balance_notified, spent, spend_period_start,
 *         last_used_at, crossed, states} when the caller's snapshot is at revision `rev`
 *        (the caller checked the key against it; static fields are not read or sent, and
 *        the caller knows the entry it encoded).
 */
export const RESERVE =
  LIB +
  String.raw`
local now_ms = int_in(ARGV[2], 0, MAX_TIME_MS)
local price = int_in(ARGV[4], 0, MAX_CHANGE)
if now_ms == nil or price == nil then error('invalid argument: now_ms or price') end
local head = redis.call('HMGET', KEYS[1], 'rev', 'balance_micros', 'low_balance_notified', 'low_balance_threshold_micros', 'ledger_seq')
local rev = head[1] or '0'
-- The entry's sequence number: the account's ledger_seq is advanced in the same HSET as the
-- balance (one command fewer than an HINCRBY on the hot path).
local seq = (tonumber(head[5]) or 0) + 1
local current = ARGV[15] ~= '' and ARGV[15] == rev
local account, account_flat, key, key_flat
if current then
  local k = redis.call('HMGET', KEYS[2], 'spend_limit_micros', 'spend_limit_period', 'spent_micros', 'spend_period_start_ms', 'spend_period_start', 'last_used_at')
  account = { balance_micros = head[2], low_balance_notified = head[3], low_balance_threshold_micros = head[4] }
  key = { spend_limit_micros = k[1], spend_limit_period = k[2], spent_micros = k[3], spend_period_start_ms = k[4], spend_period_start = k[5], last_used_at = k[6] }
else
  account, account_flat = hgetall(KEYS[1])
  key, key_flat = hgetall(KEYS[2])
  local refusal = key_refusal(key, account, ARGV[1], now_ms)
  if refusal then return { 'refused', refusal } end
end
local states, limited = rate_check(5, 19, tonumber(ARGV[18]), now_ms)
-- The reference is claimed for this entry in the same command that checks it was new (HSETNX,
-- one command where HGET then HSET were two). The first write: everything that can raise an
-- error (the arguments, the rate rules) is checked above, and a refusal below removes the
-- claim again before the script ends. A repeated reference takes the whole path, which
-- answers it with the first entry.
local claimed = false
if current and ARGV[5] ~= '' then claimed = redis.call('HSETNX', KEYS[4], ARGV[5], fmt(seq)) == 1 end
if current and ARGV[5] ~= '' and not claimed then
  current = false
  account, account_flat = hgetall(KEYS[1])
  key, key_flat = hgetall(KEYS[2])
  local refusal = key_refusal(key, account, ARGV[1], now_ms)
  if refusal then return { 'refused', refusal } end
end
if not current then
  local previous = entry_by_ref(KEYS[3], KEYS[4], ARGV[5])
  if previous then return { 'ok', previous, account_flat, key_flat, '', rate_reply(states), rev } end
end
if limited then
  if claimed then redis.call('HDEL', KEYS[4], ARGV[5]) end
  return { 'rate_limited', limited, rate_reply(states) }
end

local refused = nil
if current then
  if ARGV[16] ~= '1' then refused = { ARGV[16] } end
else
  local refusal = call_refusal(key, ARGV[3])
  if refusal then refused = { refusal } end
end
local period = key.spend_limit_period
local period_start_ms, period_start_iso = nil, nil
if period == 'daily' then period_start_ms, period_start_iso = ARGV[9], ARGV[10]
elseif period == 'weekly' then period_start_ms, period_start_iso = ARGV[11], ARGV[12]
elseif period == 'monthly' then period_start_ms, period_start_iso = ARGV[13], ARGV[14] end
-- logic.ts currentSpend
local spent = num(key.spent_micros) or 0
if period_start_ms ~= nil and key.spend_period_start_ms ~= period_start_ms then spent = 0 end
local spend_limit = num(key.spend_limit_micros)
if refused == nil and spend_limit ~= nil and spent + price > spend_limit then
  refused = { 'spend_limit', fmt(spend_limit), fmt(spent), period or '' }
end
local old = tonumber(account.balance_micros)
if refused == nil and old < price then refused = { 'insufficient', account.balance_micros } end

-- Decided: from here on only writes. Refused requests still count against the rate limits.
rate_commit(5, states)
if refused then
  if claimed then redis.call('HDEL', KEYS[4], ARGV[5]) end
  return refused
end
local new = old - price
local crossed, notified = crossing(account, old, new)
redis.call('HSET', KEYS[1], 'balance_micros', fmt(new), 'low_balance_notified', notified, 'ledger_seq', fmt(seq))
-- The ledger entry (append_entry's steps, with the sequence number and reference above; the
-- caller encoded the entry up to the balance after, which only the script knows).
local entry = ARGV[17] .. fmt(new) .. '"}'
redis.call('ZADD', KEYS[3], seq, entry)
if not claimed and ARGV[5] ~= '' then redis.call('HSET', KEYS[4], ARGV[5], fmt(seq)) end
push_ledger_event(outbox_of(KEYS[7]), seq, entry, ARGV[3])
-- The reservation, open until settled or refunded (SETTLE_CALLS, REFUND_CALL).
redis.call('HSET', KEYS[6], ARGV[5], ARGV[#ARGV])
if period_start_ms ~= nil then
  redis.call('HSET', KEYS[2], 'spent_micros', fmt(spent + price), 'spend_period_start_ms', period_start_ms, 'spend_period_start', period_start_iso)
else
  redis.call('HSET', KEYS[2], 'spent_micros', fmt(spent + price))
end
if current then
  return { 'current', fmt(new), notified, fmt(spent + price), period_start_iso or key.spend_period_start or '', key.last_used_at or '', crossed, rate_reply(states) }
end
local _, account_after = hgetall(KEYS[1])
local _, key_after = hgetall(KEYS[2])
return { 'ok', entry, account_after, key_after, crossed, rate_reply(states), rev }
`;

/**
 * KEYS: account, key list, first key, the outbox (the account again: none).
 * ARGV: the number of outbox events (0: none), the events..., account field/value pairs
 * count, pairs..., key pairs...
 * Reply: 1 created, 0 the account exists.
 */
export const CREATE_ACCOUNT = String.raw`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local events = tonumber(ARGV[1])
local n = tonumber(ARGV[2 + events])
redis.call('HSET', KEYS[1], unpack(ARGV, 3 + events, 2 + events + n))
redis.call('HSET', KEYS[3], unpack(ARGV, 3 + events + n, #ARGV))
if events > 0 and KEYS[4] ~= KEYS[1] then redis.call('RPUSH', KEYS[4], unpack(ARGV, 2, 1 + events)) end
local seq = redis.call('HINCRBY', KEYS[1], 'key_seq', 1)
redis.call('ZADD', KEYS[2], seq, redis.call('HGET', KEYS[3], 'id'))
return 1
`;

/**
 * KEYS: account, key list, new key, the outbox. ARGV: max keys, new revision, the outbox
 * event ('' none), key field/value pairs. Reply: 'ok' | 'account_not_found' | 'too_many_keys'.
 */
export const CREATE_KEY =
  EVENTS_LIB +
  String.raw`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'account_not_found' end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[1]) then return 'too_many_keys' end
redis.call('HSET', KEYS[3], unpack(ARGV, 4, #ARGV))
push_event(KEYS[4], ARGV[3])
redis.call('HSET', KEYS[1], 'rev', ARGV[2])
local seq = redis.call('HINCRBY', KEYS[1], 'key_seq', 1)
redis.call('ZADD', KEYS[2], seq, redis.call('HGET', KEYS[3], 'id'))
return 'ok'
`;

/**
 * Updates a hash that exists and (when ARGV[2] is not '') lacks the field ARGV[2] (e.g. a
 * key that is not revoked), and records the change in the outbox.
 * KEYS: the hash, the account whose revision the change replaces (a change to an account or
 * one of its keys; the hash again: none), the outbox (the hash again: none).
 * ARGV: the new revision ('' replaces none), guard field, the outbox event ('' none),
 * 'key' when the event is a head to complete with the key's fields after the change (else
 * ''), number of field/value pairs to set, pairs..., fields to delete...
 * Reply: the hash after the change, or false.
 */
export const PATCH_HASH =
  EVENTS_LIB +
  String.raw`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if ARGV[2] ~= '' and redis.call('HEXISTS', KEYS[1], ARGV[2]) == 1 then return false end
if ARGV[1] ~= '' then redis.call('HSET', KEYS[2], 'rev', ARGV[1]) end
local pairs_count = tonumber(ARGV[5])
if pairs_count > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 6, 5 + pairs_count * 2)) end
if #ARGV > 5 + pairs_count * 2 then redis.call('HDEL', KEYS[1], unpack(ARGV, 6 + pairs_count * 2, #ARGV)) end
if ARGV[4] == 'key' then push_event_with(KEYS[3], ARGV[3], key_event_fields(KEYS[1])) else push_event(KEYS[3], ARGV[3]) end
return redis.call('HGETALL', KEYS[1])
`;

/** createTopup: KEYS: the top-up, the outbox. ARGV: the outbox event ('' none), field/value pairs. */
export const CREATE_TOPUP =
  EVENTS_LIB +
  String.raw`
redis.call('HSET', KEYS[1], unpack(ARGV, 2, #ARGV))
push_event(KEYS[2], ARGV[1])
return 1
`;

/**
 * recordPaymentIncident: KEYS: the incidents hash, the outbox of events of no account (in
 * the hash's slot). ARGV: the incident's id, its stored JSON, the outbox event ('' none).
 * Reply: 1 recorded, 0 recorded before (nothing written).
 */
export const RECORD_INCIDENT =
  EVENTS_LIB +
  String.raw`
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
push_event(KEYS[2], ARGV[3])
return 1
`;

/**
 * KEYS: key, key list, account, the account's rate windows, the outbox. ARGV: revoked_at,
 * the key's rate-limit bucket, new revision, the outbox event's head ('' none), completed
 * with the key's fields. Reply: the key after revocation, or false.
 */
export const REVOKE_KEY =
  EVENTS_LIB +
  String.raw`
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'revoked_at') == 1 then return false end
redis.call('HSET', KEYS[3], 'rev', ARGV[3])
redis.call('HSET', KEYS[1], 'revoked_at', ARGV[1])
redis.call('ZREM', KEYS[2], redis.call('HGET', KEYS[1], 'id'))
-- A revoked key's rate windows go too (the account's hash would otherwise keep them).
redis.call('HDEL', KEYS[4], ARGV[2] .. ':s', ARGV[2] .. ':c')
push_event_with(KEYS[5], ARGV[4], key_event_fields(KEYS[1]))
return redis.call('HGETALL', KEYS[1])
`;

/**
 * KEYS: key, account, the outbox. ARGV: new hash, prefix, last four, previous expiry ISO
 * ('' none), its ms, new revision, the outbox event's head ('' none), completed with the
 * key's fields.
 */
export const ROTATE_KEY =
  EVENTS_LIB +
  String.raw`
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'revoked_at') == 1 then return false end
redis.call('HSET', KEYS[2], 'rev', ARGV[6])
local old_hash = redis.call('HGET', KEYS[1], 'hash')
redis.call('HSET', KEYS[1], 'hash', ARGV[1], 'prefix', ARGV[2], 'last_four', ARGV[3])
if ARGV[4] == '' then
  redis.call('HDEL', KEYS[1], 'previous_hash', 'previous_hash_expires_at', 'previous_hash_expires_ms')
else
  redis.call('HSET', KEYS[1], 'previous_hash', old_hash, 'previous_hash_expires_at', ARGV[4], 'previous_hash_expires_ms', ARGV[5])
end
push_event_with(KEYS[3], ARGV[7], key_event_fields(KEYS[1]))
return redis.call('HGETALL', KEYS[1])
`;

/** KEYS: key. ARGV: at (ISO). Only moves last_used_at forward, never creates the key. */
export const TOUCH_KEY = String.raw`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local current = redis.call('HGET', KEYS[1], 'last_used_at')
if current and current >= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'last_used_at', ARGV[1])
return 1
`;

/**
 * A batch of usage events of one account and day, aggregated by the caller.
 * KEYS: day aggregate hash, raw event list. ARGV: retention seconds, events kept, the
 * number of increments, then field/amount pairs, then the events' JSON, oldest first.
 */
export const RECORD_USAGE = String.raw`
local increments = tonumber(ARGV[3])
for i = 0, increments - 1 do redis.call('HINCRBY', KEYS[1], ARGV[4 + i * 2], ARGV[5 + i * 2]) end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
local first = 4 + increments * 2
if #ARGV >= first then
  redis.call('LPUSH', KEYS[2], unpack(ARGV, first, #ARGV))
  redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[2]) - 1)
end
return 1
`;

/**
 * Open calls (KEYS[calls], see `encodeCallRecord` in logic.ts): the usage of a settled
 * call, written in the same script that closes its reservation.
 */
const CALLS_LIB = String.raw`
local function add_usage(usage_key, field, requests, errors, cost, latency, retention)
  redis.call('HINCRBY', usage_key, field .. 'requests', requests)
  redis.call('HINCRBY', usage_key, field .. 'errors', errors)
  redis.call('HINCRBY', usage_key, field .. 'cost_micros', cost)
  redis.call('HINCRBY', usage_key, field .. 'latency_ms_total', latency)
  redis.call('EXPIRE', usage_key, retention)
end
`;

/**
 * A batch of one account and usage day: state changes of open calls, then the calls whose
 * charge is kept. A call is settled by deleting its reservation; only a call this script
 * deletes gets its usage written, so a call the reconciler settled or refunded first is
 * left as it is.
 * KEYS: open calls, day aggregate hash, raw event list.
 * ARGV: retention seconds, events kept, transition count, then ref and state segment per
 *       transition, then settlement count, then ref, usage field prefix ('<product>|<key>|'),
 *       cost, error (0/1), latency ms and the event's JSON per settlement (oldest first).
 */
export const SETTLE_CALLS =
  CALLS_LIB +
  String.raw`
local at = 4
for _ = 1, tonumber(ARGV[3]) do
  local value = redis.call('HGET', KEYS[1], ARGV[at])
  if value then redis.call('HSET', KEYS[1], ARGV[at], ARGV[at + 1] .. string.sub(value, (string.find(value, '|', 1, true)))) end
  at = at + 2
end
local count = tonumber(ARGV[at])
at = at + 1
local sums, order, events = {}, {}, {}
for _ = 1, count do
  if redis.call('HDEL', KEYS[1], ARGV[at]) == 1 then
    local field = ARGV[at + 1]
    local sum = sums[field]
    if not sum then
      sum = { 0, 0, 0, 0 }
      sums[field] = sum
      order[#order + 1] = field
    end
    sum[1] = sum[1] + 1
    sum[2] = sum[2] + tonumber(ARGV[at + 3])
    sum[3] = sum[3] + tonumber(ARGV[at + 2])
    sum[4] = sum[4] + tonumber(ARGV[at + 4])
    events[#events + 1] = ARGV[at + 5]
  end
  at = at + 6
end
for _, field in ipairs(order) do
  local sum = sums[field]
  add_usage(KEYS[2], field, sum[1], sum[2], sum[3], sum[4], tonumber(ARGV[1]))
end
if #events > 0 then
  local kept = tonumber(ARGV[2])
  redis.call('LPUSH', KEYS[3], unpack(events, math.max(1, #events - kept + 1), #events))
  redis.call('LTRIM', KEYS[3], 0, kept - 1)
end
return #events
`;

/**
 * Refunds an open call: the refund entry, the key's spend given back, the reservation
 * closed and the call's usage (an error, no cost) — or nothing when the call is settled
 * already or in a state ARGV[6] does not list.
 * KEYS: account, ledger, ledger refs, open calls, day aggregate hash, raw event list, key,
 *       the outbox (the account again: none).
 * ARGV: 1 call ref, 2 refund ref, 3 reason, 4 entry id, 5 created_at, 6 state letters
 *       allowed ('' any), 7..9 daily/weekly/monthly period start ms at created_at,
 *       10 retention seconds, 11 events kept, 12 usage field prefix, 13 latency ms, 14 event JSON.
 * Reply: {'settled'} | {'skipped', state segment ('R', 'F', 'A200'…)} | {'not_found'} | {'refunded', entry, balance, crossed}
 */
export const REFUND_CALL =
  LIB +
  CALLS_LIB +
  String.raw`
local value = redis.call('HGET', KEYS[4], ARGV[1])
if not value then return { 'settled' } end
local state = string.sub(value, 1, 1)
if ARGV[6] ~= '' and not string.find(ARGV[6], state, 1, true) then return { 'skipped', string.sub(value, 1, string.find(value, '|', 1, true) - 1) } end
local account = hgetall(KEYS[1])
if account.id == nil then return { 'not_found' } end
if entry_by_ref(KEYS[2], KEYS[3], ARGV[2]) then
  redis.call('HDEL', KEYS[4], ARGV[1])
  return { 'settled' }
end
local first = string.find(value, '|', 1, true)
local second = string.find(value, '|', first + 1, true)
local third = string.find(value, '|', second + 1, true)
local amount = int_in(string.sub(value, second + 1, third - 1), 0, MAX_CHANGE)
local old = int_in(account.balance_micros, 0, MICROS_LIMIT)
if amount == nil or old == nil then return redis.error_reply('refundCall: the reserved price or the stored balance is not an integer in bounds') end
-- Giving back what this call took is not held to the balance ceiling (a credit in between
-- may have filled it); MICROS_LIMIT still bounds it (store README, "Amounts").
local new = old + amount
if new > MICROS_LIMIT then return redis.error_reply('refundCall: the balance would pass MICROS_LIMIT') end
local crossed, notified = crossing(account, old, new)
-- logic.ts releasedSpend
local released_spent = released_spend(hgetall(KEYS[7]), amount, ARGV[7], ARGV[8], ARGV[9])
if released_spent ~= nil then redis.call('HSET', KEYS[7], 'spent_micros', fmt(released_spent)) end
redis.call('HSET', KEYS[1], 'balance_micros', fmt(new), 'low_balance_notified', notified)
local entry = append_entry(KEYS[1], KEYS[2], KEYS[3], ARGV[4], 'refund', amount, new, ARGV[3], ARGV[2], ARGV[5], outbox_of(KEYS[8]))
redis.call('HDEL', KEYS[4], ARGV[1])
add_usage(KEYS[5], ARGV[12], 1, 1, 0, tonumber(ARGV[13]), tonumber(ARGV[10]))
redis.call('LPUSH', KEYS[6], ARGV[14])
redis.call('LTRIM', KEYS[6], 0, tonumber(ARGV[11]) - 1)
return { 'refunded', entry, fmt(new), crossed }
`;

/** KEYS: the index of accounts with open calls. ARGV: account id, the score it was seen with. Removes it only if no instance indexed it since. */
export const UNINDEX_CALLS = String.raw`
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
`;

/**
 * KEYS: an account's outbox. ARGV: how many events were read, the first of them.
 * Removes them only if the list still starts with that event: a reader that acknowledges
 * events another reader removed first removes nothing (they are drained again, harmlessly).
 */
export const ACK_OUTBOX = String.raw`
if redis.call('LINDEX', KEYS[1], 0) ~= ARGV[2] then return 0 end
redis.call('LTRIM', KEYS[1], tonumber(ARGV[1]), -1)
return 1
`;

/**
 * The Redis ledger's retention (store README, "Ledger retention"): removes the account's
 * entries up to sequence number ARGV[1] (those PostgreSQL has) created before ARGV[2] (ISO),
 * oldest first, at most ARGV[3] of them. A metered call's reference (`call:`, `refund:`) goes
 * with its entry (a call is settled within minutes); any other reference keeps the entry's
 * JSON in its place, so a payment delivered again still answers as applied.
 * KEYS: ledger, ledger refs. Reply: how many entries were removed.
 */
export const TRIM_LEDGER = String.raw`
local entries = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
local removed = 0
for i = 1, #entries, 2 do
  local entry = cjson.decode(entries[i])
  if entry.created_at >= ARGV[2] then break end
  local ref = entry.external_ref
  if ref ~= nil and ref ~= '' and ref ~= cjson.null then
    if string.sub(ref, 1, 5) == 'call:' or string.sub(ref, 1, 7) == 'refund:' then
      redis.call('HDEL', KEYS[2], ref)
    else
      redis.call('HSET', KEYS[2], ref, entries[i])
    end
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[1], entries[i + 1], entries[i + 1])
  removed = removed + 1
end
return removed
`;

/** KEYS: idempotency key. ARGV: claim JSON, ttl seconds. Reply: false when claimed, else the stored JSON. */
export const CLAIM_IDEMPOTENT = String.raw`
local stored = redis.call('GET', KEYS[1])
if stored then return stored end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
return false
`;

/** KEYS: telegram index. ARGV: expected claim, final value. Replaces a claim by its owner only. */
export const COMPARE_AND_SET = String.raw`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;

/**
 * completeTopup: a top-up's status and its credit in one step (logic.ts
 * COMPLETABLE_TOPUP_STATUSES; sqlite-store.ts completeTopupTransaction is its twin).
 * KEYS: account, ledger, ledger refs, the top-up, the outbox (the account again: none).
 * ARGV: amount, reason, external_ref, entry id, created_at, provider_ref ('' keeps it), the balance ceiling,
 *       the outbox event's head ('' none), completed with the id of the entry that paid the top-up.
 * Reply: {'topup_not_found'} | {'account_not_found'}
 *      | {'already_completed', entry or '', balance, topup} (nothing written)
 *      | {'repaired', entry, balance, topup} (the reference was in the ledger: completed, no credit)
 *      | {'balance_limit', balance, ceiling} (the credit would pass the ceiling: nothing written)
 *      | {'applied', entry, balance, crossed, topup}
 */
export const COMPLETE_TOPUP =
  LIB +
  EVENTS_LIB +
  String.raw`
local topup = hgetall(KEYS[4])
if topup.id == nil then return { 'topup_not_found' } end
local account = hgetall(KEYS[1])
if account.id == nil then return { 'account_not_found' } end
local previous = entry_by_ref(KEYS[2], KEYS[3], ARGV[3])
local status = topup.status
if status ~= 'pending' and status ~= 'failed' and status ~= 'expired' then
  return { 'already_completed', previous or '', account.balance_micros, redis.call('HGETALL', KEYS[4]) }
end
local amount = int_in(ARGV[1], 1, MAX_CHANGE)
if amount == nil then return redis.error_reply('completeTopup: invalid amount') end
local ceiling = int_in(ARGV[7], 1, MICROS_LIMIT)
if ceiling == nil then return redis.error_reply('completeTopup: invalid balance ceiling') end
local function complete(entry_id, completed_at)
  redis.call('HSET', KEYS[4], 'status', 'completed', 'ledger_entry_id', entry_id, 'completed_at', completed_at)
  if ARGV[6] ~= '' then redis.call('HSET', KEYS[4], 'provider_ref', ARGV[6]) end
  push_event_with(KEYS[5], ARGV[8], entry_id)
end
if previous then
  local decoded = cjson.decode(previous)
  complete(decoded.id, decoded.created_at)
  return { 'repaired', previous, account.balance_micros, redis.call('HGETALL', KEYS[4]) }
end
local old = int_in(account.balance_micros, 0, MICROS_LIMIT)
if old == nil then return redis.error_reply('completeTopup: the stored balance is not an integer in bounds') end
local new = old + amount
-- The ceiling, decided inside the change as APPLY_LEDGER does: nothing written past it.
if new > ceiling then return { 'balance_limit', account.balance_micros, fmt(ceiling) } end
local crossed, notified = crossing(account, old, new)
redis.call('HSET', KEYS[1], 'balance_micros', fmt(new), 'low_balance_notified', notified)
local entry = append_entry(KEYS[1], KEYS[2], KEYS[3], ARGV[4], 'credit', amount, new, ARGV[2], ARGV[3], ARGV[5], outbox_of(KEYS[5]))
complete(ARGV[4], ARGV[5])
return { 'applied', entry, fmt(new), crossed, redis.call('HGETALL', KEYS[4]) }
`;
