/** Store outages told apart from bugs, on the errors the libraries really throw. */
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { asStoreUnavailable, StoreUnavailableError } from '../../src/store/errors.js';

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

describe('asStoreUnavailable', () => {
  it('takes a full SQLite disk for an outage that changed nothing', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (v TEXT)');
    db.pragma('max_page_count = 2');
    const error = thrownBy(() => {
      for (let i = 0; i < 1000; i++) db.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(1000));
    });
    db.close();
    expect((error as { code?: string }).code).toBe('SQLITE_FULL');
    const outage = asStoreUnavailable(error);
    expect(outage).toBeInstanceOf(StoreUnavailableError);
    expect(outage!.store).toBe('sqlite');
    expect(outage!.maybeApplied).toBe(false);
  });

  it('takes a closed SQLite database for an outage, and a constraint violation for a bug', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (v TEXT UNIQUE)');
    db.prepare('INSERT INTO t VALUES (?)').run('a');
    expect(asStoreUnavailable(thrownBy(() => db.prepare('INSERT INTO t VALUES (?)').run('a')))).toBeNull();
    db.close();
    expect(asStoreUnavailable(thrownBy(() => db.prepare('SELECT 1')))?.store).toBe('sqlite');
  });

  it('takes a Redis that does not answer for an outage in which the command may have run', async () => {
    // A server that accepts the connection and never answers: the command times out.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const client = new Redis({ port, host: '127.0.0.1', commandTimeout: 100, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    const error = await client.get('k').catch((caught: unknown) => caught);
    client.disconnect();
    silent.close();
    const outage = asStoreUnavailable(error);
    expect(outage?.store).toBe('redis');
    expect(outage?.maybeApplied).toBe(true);
  });

  it('takes a command refused while disconnected for an outage in which it never ran', async () => {
    const client = new Redis({ port: 1, host: '127.0.0.1', enableOfflineQueue: false, lazyConnect: true });
    const error = await client.get('k').catch((caught: unknown) => caught);
    client.disconnect();
    expect(asStoreUnavailable(error)?.maybeApplied).toBe(false);
  });

  it('leaves other errors alone', () => {
    expect(asStoreUnavailable(new Error('boom'))).toBeNull();
    expect(asStoreUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBeNull();
    expect(asStoreUnavailable('a string')).toBeNull();
  });
});
