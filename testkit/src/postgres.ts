/**
 * PostgreSQL for the outbox suites: the machine's server at 127.0.0.1:5432 (trust auth, user
 * `postgres` or `root`; `KIKUAI_TEST_POSTGRES_URL` overrides), a database of each test run's
 * own, dropped afterwards. Without PostgreSQL the suites skip, except under CI, where they fail.
 * And a TCP proxy in front of it that a test stops and starts: PostgreSQL "down" and "back".
 */
import { randomBytes } from 'node:crypto';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import pg from 'pg';

const candidates = process.env.KIKUAI_TEST_POSTGRES_URL
  ? [process.env.KIKUAI_TEST_POSTGRES_URL]
  : ['postgres://postgres@127.0.0.1:5432/postgres', 'postgres://root@127.0.0.1:5432/postgres'];

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let adminUrl: string | null = null;
for (const url of candidates) {
  if (await answers(url)) {
    adminUrl = url;
    break;
  }
}

export const postgresIsReachable = adminUrl !== null;
export const skipPostgres = !postgresIsReachable && !process.env.CI;
if (skipPostgres) console.warn('PostgreSQL does not answer at 127.0.0.1:5432: the outbox suites are skipped (set CI to make this a failure).');

export interface TestDatabase {
  /** The database's URL, straight to PostgreSQL. */
  url: string;
  /** The same database's URL through another host and port (a proxy's). */
  urlVia(port: number): string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!adminUrl) throw new Error('PostgreSQL does not answer at 127.0.0.1:5432 and CI is set: the outbox suites cannot run.');
  const name = `kikuai_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    urlVia(port) {
      const via = new URL(url);
      via.port = String(port);
      return via.toString();
    },
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A TCP proxy to PostgreSQL on a fixed port: `stop()` refuses new connections and cuts the open ones. */
export class PostgresProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private constructor(readonly port: number) {}

  /** A proxy on a free port, not yet listening (connections to it are refused). */
  static async onFreePort(): Promise<PostgresProxy> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return new PostgresProxy(port);
  }

  async start(): Promise<void> {
    const target = new URL(adminUrl!);
    this.server = createServer((downstream) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const socket of [downstream, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      downstream.pipe(upstream).pipe(downstream);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
