/**
 * Store outages, told apart from bugs in one place. Redis down, restarting, loading or not
 * answering in time, and SQLite busy, full, read-only or failing its I/O are a store that is
 * unavailable for a while: the API answers 503 `store_unavailable` with `Retry-After`
 * (`http/error-handler.ts`), never 500, and nothing is charged. Anything else stays a bug.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(
    readonly store: 'redis' | 'sqlite',
    message: string,
    /**
     * The change may still have been applied: it was sent to Redis, which did not answer
     * (it died after applying it, or is hanging and will apply it later). False when it was
     * never sent, and on SQLite, whose failed transaction has rolled back.
     */
    readonly maybeApplied: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** ioredis refusing a command while not connected (enableOfflineQueue is off once the first connection was ready): it was never sent. */
const NOT_SENT = "Stream isn't writeable";
/** ioredis' own messages for a connection that went away or a command with no answer in time: it may have run. */
const REDIS_OUTAGE_MESSAGES = [
  'Connection is closed',
  'Command timed out', // commandTimeout
  'Reached the max retries per request limit', // MaxRetriesPerRequestError
  'All sentinels are unreachable',
  'Failed to refresh slots cache', // Cluster
  'None of startup nodes is available',
];
/** Replies of a Redis that is there but cannot serve: loading its data, a replica cut off, out of memory, a cluster that is down or moving. */
const REDIS_OUTAGE_REPLIES = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|OOM|READONLY|NOREPLICAS|MISCONF)\b/;
/**
 * SQLite result codes (better-sqlite3 puts the extended code in `code`) that mean the file
 * cannot be used right now: locked past busy_timeout, disk full, I/O failure, read-only,
 * cannot be opened. Constraint violations and the like are bugs and stay 500.
 */
const SQLITE_OUTAGE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|NOMEM|PROTOCOL)/;

/** The error as a store outage, or null when it is something else. */
export function asStoreUnavailable(error: unknown): StoreUnavailableError | null {
  if (error instanceof StoreUnavailableError) return error;
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  if (error.name === 'SqliteError' || (typeof code === 'string' && code.startsWith('SQLITE_'))) {
    return typeof code === 'string' && SQLITE_OUTAGE.test(code) ? new StoreUnavailableError('sqlite', `SQLite: ${code}`, false, { cause: error }) : null;
  }
  if (error.message.startsWith(NOT_SENT)) return new StoreUnavailableError('redis', `Redis: ${error.message}`, false, { cause: error });
  if (error.name === 'MaxRetriesPerRequestError' || REDIS_OUTAGE_MESSAGES.some((message) => error.message.includes(message))) {
    return new StoreUnavailableError('redis', `Redis: ${error.message}`, true, { cause: error });
  }
  if (error.name === 'ReplyError' && REDIS_OUTAGE_REPLIES.test(error.message)) {
    // Redis answered with a refusal: the command did not run.
    return new StoreUnavailableError('redis', `Redis: ${error.message.split('\n')[0]}`, false, { cause: error });
  }
  if (error.message === 'The database connection is not open') {
    return new StoreUnavailableError('sqlite', 'SQLite: the database is closed', false, { cause: error });
  }
  return null;
}
