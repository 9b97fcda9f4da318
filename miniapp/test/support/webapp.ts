import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
export const distDir = path.join(packageDir, 'dist');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the production bundle when it is missing or older than the sources or the built SDK it bundles (CI builds it before testing). */
export function ensureBuilt(): void {
  const index = path.join(distDir, 'index.html');
  const sdk = createRequire(import.meta.url).resolve('@kikuai/sdk');
  const sources = Math.max(newestMtime(path.join(packageDir, 'src')), statSync(path.join(packageDir, 'index.html')).mtimeMs, statSync(sdk).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  // vitest sets NODE_ENV=test, which would make Vite build a development bundle.
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
    cwd: packageDir,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

/** The app as the real server serves it, at /webapp on the API's own origin: anything else fails the test. */
export async function webappOrigin(apiUrl: string): Promise<{ origin: string; close(): Promise<void> }> {
  const response = await fetch(`${apiUrl}/webapp/`);
  const page = await response.text();
  if (!response.ok || !page.includes('id="app"')) {
    throw new Error(`The server at ${apiUrl} does not serve the Mini App at /webapp/ (HTTP ${response.status}): is miniapp/dist built?`);
  }
  return { origin: apiUrl, close: async () => {} };
}

/**
 * The app's files from a small local server that passes /api through to `apiUrl` — for
 * the one test where the API behind the app is down (a closed port) but the page loads.
 */
export async function staticWebapp(apiUrl: string): Promise<{ origin: string; close(): Promise<void> }> {
  const api = new URL(apiUrl);
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
  const server: Server = createServer((incoming, outgoing) => {
    const url = new URL(incoming.url ?? '/', 'http://local');
    if (url.pathname.startsWith('/api/')) {
      const upstream = request(
        { host: api.hostname, port: api.port, path: incoming.url, method: incoming.method, headers: { ...incoming.headers, host: api.host } },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      upstream.on('error', () => outgoing.writeHead(502).end());
      incoming.pipe(upstream);
      return;
    }
    const relative = url.pathname.replace(/^\/webapp\/?/, '') || 'index.html';
    const file = path.join(distDir, path.normalize(relative));
    if (!url.pathname.startsWith('/webapp') || !file.startsWith(distDir) || !existsSync(file) || statSync(file).isDirectory()) {
      outgoing.writeHead(404).end();
      return;
    }
    outgoing.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(outgoing);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
