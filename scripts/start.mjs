/**
 * `npm start`: builds what the launcher needs and is stale (scripts/build.mjs), reads `.env`
 * at the repository root when there is one, then runs the launcher (the API, the bot, the
 * Mini App) in this process.
 *
 *   npm start              the platform as configured
 *   npm start -- --demo    the same with the built-in demo product (KIKUAI_DEMO_PRODUCT=1)
 *
 * A variable set in the real environment wins over the same one in `.env`
 * (`process.loadEnvFile` leaves variables that are already set alone). `.env` is read after
 * the build, so it configures the platform, never the build.
 *
 * Local first run: without KIKUAI_ADMIN_TOKEN (and outside NODE_ENV=production) the admin
 * token is generated once into `<data dir>/admin-token` (0600) and used from there, so the
 * local path's printed commands work without a restart or a hand-written variable. The
 * Docker image runs the launcher directly and never gets one it did not ask for.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, repositoryRoot } from './build.mjs';

const USAGE = 'usage: npm start [-- --demo]';
const options = process.argv.slice(2);
const unknown = options.filter((option) => option !== '--demo');
if (unknown.length > 0) {
  console.error(`npm start: unknown option ${unknown.join(' ')}\n${USAGE}`);
  process.exit(2);
}
// `npm start --demo` (without the `--`) reaches us as npm's own config variable.
const demo = options.includes('--demo') || process.env.npm_config_demo === 'true';

build({ targets: ['@kikuai/launcher'], onlyStale: true });

const envFile = path.join(repositoryRoot, '.env');
if (existsSync(envFile)) {
  process.loadEnvFile(envFile);
  console.log('config: .env read (variables set in the environment win over it)');
}
if (demo) process.env.KIKUAI_DEMO_PRODUCT = '1';

/** The admin token of a local first run, made once and kept where only this user can read it. */
function localAdminToken() {
  // The server's default data dir (server/src/config.ts, KIKUAI_DATA_DIR).
  const dataDir = path.resolve(process.env.KIKUAI_DATA_DIR?.trim() || path.join(repositoryRoot, '.data'));
  const file = path.join(dataDir, 'admin-token');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `adm_${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    console.log(`config: KIKUAI_ADMIN_TOKEN generated into ${file} (0600; it stays for the next start)`);
  } else if ((statSync(file).mode & 0o077) !== 0) {
    chmodSync(file, 0o600);
    console.log(`config: ${file} was readable by others; now 0600`);
  }
  return readFileSync(file, 'utf8').trim();
}

if (!process.env.KIKUAI_ADMIN_TOKEN?.trim() && process.env.NODE_ENV !== 'production') process.env.KIKUAI_ADMIN_TOKEN = localAdminToken();

await import(pathToFileURL(path.join(repositoryRoot, 'launcher/dist/main.js')).href);
