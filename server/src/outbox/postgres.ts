/**
 * The PostgreSQL connection (`DATABASE_URL`) and its schema: plain SQL files in
 * `server/migrations/`, applied in name order, each once, recorded in `schema_migrations`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** A small pool that fails fast: the drain retries, and no API request waits for it. */
export function createPostgresPool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 4, connectionTimeoutMillis: 2000, query_timeout: 10_000, idleTimeoutMillis: 10_000 });
  // An idle client that loses its server emits here; the next query sees the outage.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Runs `work` on one client of the pool. A client whose server went away between two
 * queries emits 'error' (an uncaught exception without a listener): the query sees it
 * instead, and a client that failed is discarded rather than pooled.
 */
export async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const ignore = () => undefined;
  client.on('error', ignore);
  let failed = false;
  try {
    return await work(client);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    client.off('error', ignore);
    client.release(failed);
  }
}

/** Applies the migrations not yet applied, each in its own transaction; safe when several instances start at once. */
export async function migrate(pool: pg.Pool, directory = MIGRATIONS_DIR): Promise<string[]> {
  const files = readdirSync(directory)
    .filter((name) => name.endsWith('.sql'))
    .sort();
  const applied: string[] = [];
  await withClient(pool, async (client) => {
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    for (const file of files) {
      await client.query('BEGIN');
      try {
        // One migrator at a time, across instances.
        await client.query("SELECT pg_advisory_xact_lock(hashtext('kikuai_schema_migrations'))");
        const done = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [file]);
        if (done.rowCount === 0) {
          await client.query(readFileSync(`${directory}/${file}`, 'utf8'));
          await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file]);
          applied.push(file);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }
  });
  return applied;
}
