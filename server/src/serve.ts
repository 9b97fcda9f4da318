/**
 * The API as a process: load the configuration, open the store, listen, say where, and
 * shut down gracefully on SIGTERM and SIGINT (readiness turns 503, what runs alongside
 * stops, no new connections, requests in flight finish, the services stop, the store
 * closes). The server's own main runs the API alone; the launcher (`launcher/`) runs the
 * bot alongside it and hands it the Mini App's folder.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { buildApp, type KikuaiApp } from './app.js';
import { describeBinding } from './binding.js';
import { ConfigError, loadConfig, type Config, type Environment } from './config.js';
import { createStore } from './store/index.js';

/** The API once it listens, as what runs alongside it sees it. */
export interface ListeningApi {
  config: Config;
  /** Where this machine reaches the API (loopback when it binds every interface). */
  localUrl: string;
  log: FastifyBaseLogger;
}

/** Something run in the same process as the API (the launcher's bot). */
export interface Alongside {
  /** Lines for the start-up banner, e.g. `  bot:      running`. */
  banner: string[];
  /** What to do next, printed last (default: open the docs, or set .env.example's variables). */
  next?: string[];
  /** Called on shutdown while the API still answers (Fastify answers 503 from `close()` on, preClose included). */
  stop?(): Promise<void>;
}

export interface ServeOptions {
  /** Where the configuration is read from (default `process.env`). */
  environment?: Environment;
  /** The Mini App's built folder, served at /webapp/ (`KIKUAI_WEBAPP_DIR` wins when set). */
  webappDir?: string;
  /** Started once the API listens; default: the banner says the bot runs elsewhere. */
  alongside?(api: ListeningApi): Promise<Alongside>;
}

const API_ONLY: Alongside = { banner: ['  bot:      not in this process (`npm start` runs the API with the bot; or run the bot as its own process)'] };

function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

export async function serve(options: ServeOptions = {}): Promise<KikuaiApp> {
  let config: Config;
  try {
    config = loadConfig(options.environment);
  } catch (error) {
    exitOnConfigError(error);
  }

  const store = createStore({
    redisUrl: config.redisUrl,
    redisCluster: config.redisCluster,
    dataDir: config.dataDir,
    keyPrefix: config.redisKeyPrefix,
    maxBalanceMicros: config.maxBalanceMicros,
    outbox: config.databaseUrl !== undefined,
  });
  let app: KikuaiApp;
  try {
    app = await buildApp({ config, store, webappDir: options.webappDir });
  } catch (error) {
    // A bad products file is a configuration error too: one line, no stack trace.
    if (error instanceof ConfigError) await store.close().catch(() => undefined);
    exitOnConfigError(error);
  }
  const where = config.redisUrl
    ? `Redis${config.redisCluster ? ' Cluster' : ''} at ${new URL(config.redisUrl).host}`
    : `embedded SQLite at ${config.dataDir}/kikuai.db`;
  app.log.info({ store: store.kind }, `store: ${where}`);

  await app.listen({ port: config.port, host: config.host });
  const bound = describeBinding(app.server.address() as AddressInfo);
  const localUrl = bound.localUrl;
  const alongside = options.alongside ? await options.alongside({ config, localUrl, log: app.log }) : API_ONLY;

  const webappDir = config.webappDir ?? options.webappDir;
  const servesMiniApp = webappDir !== undefined && existsSync(path.join(webappDir, 'index.html'));
  process.stdout.write(
    [
      '',
      `kikuai API listening on ${bound.url}${bound.wide ? ` (every interface; on this machine ${localUrl})` : ''}`,
      `  bound to: ${bound.note}`,
      ...(bound.wide && config.adminToken ? ['            KIKUAI_ADMIN_TOKEN is set: keep /api/v1/admin/* behind a proxy that only operators reach.'] : []),
      `  store:    ${where}`,
      `  docs:     ${localUrl}/docs   (spec: ${localUrl}/openapi.yaml)`,
      `  health:   ${localUrl}/healthz · ${localUrl}/readyz · ${localUrl}/metrics`,
      ...alongside.banner,
      `  Mini App: ${servesMiniApp ? `${localUrl}/webapp/` : 'not served here (build it, or set KIKUAI_WEBAPP_DIR)'}`,
      '',
      ...(alongside.next ?? ['Next: open the docs, or set the variables of .env.example and restart.']),
      '',
    ].join('\n'),
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    app.beginShutdown();
    const force = setTimeout(() => process.exit(1), 25_000);
    force.unref();
    try {
      // What runs alongside stops first, while the API still answers it; then the API
      // (its services stop in the composition root's order, from onClose).
      await alongside.stop?.();
      await app.close();
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  return app;
}
