/**
 * The demo product's upstream (`products/demo.ts`): a small HTTP server inside this
 * process, on a loopback port of its own, that answers `{"echo": <the JSON body>}`. The
 * proxy reaches it through an undici Pool like any upstream, so a demo call takes the
 * same path as a real one (forwarding, the answer's headers, charging) with no network.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Pool } from 'undici';
import type { Product } from '../products/catalog.js';

function answer(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function handle(request: IncomingMessage, response: ServerResponse, product: Product): void {
  const endpoint = [...product.endpoints.values()].find((candidate) => candidate.upstreamPath === request.url);
  if (request.method !== 'POST' || !endpoint) {
    request.resume();
    answer(response, 404, { error: 'not_found' });
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      answer(response, 200, { echo: text === '' ? null : (JSON.parse(text) as unknown) });
    } catch {
      // The proxy keeps the charge on a 4xx, as it does for any product's.
      answer(response, 400, { error: 'the body is not JSON' });
    }
  });
}

export class EchoUpstream {
  private readonly server: Server;
  private readonly listening: Promise<number>;

  constructor(private readonly product: Product) {
    this.server = createServer((request, response) => handle(request, response, product));
    this.listening = new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: '127.0.0.1', port: 0 }, () => resolve((this.server.address() as AddressInfo).port));
    });
    // A failed listen surfaces on the first call (502 upstream_unreachable, refunded), not as an unhandled rejection.
    this.listening.catch(() => undefined);
  }

  /** A pool whose connections go to this echo server, whatever port it got. */
  pool(): Pool {
    return new Pool(this.product.upstreamOrigin, {
      connections: 8,
      headersTimeout: this.product.timeoutMs,
      bodyTimeout: this.product.timeoutMs,
      connect: (_options, callback) => {
        this.listening.then(
          (port) => {
            const socket = connect({ host: '127.0.0.1', port });
            const failed = (error: Error) => callback(error, null);
            socket.once('error', failed).once('connect', () => {
              socket.off('error', failed);
              callback(null, socket);
            });
          },
          (error: Error) => callback(error, null),
        );
      },
    });
  }

  async close(): Promise<void> {
    await this.listening.catch(() => undefined);
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
