/**
 * Where the server really listens, in words for the start-up lines. The embedded start
 * binds loopback (HOST defaults to 127.0.0.1); deployments bind wider with HOST=0.0.0.0.
 */
import type { AddressInfo } from 'node:net';

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/** Where the server really listens, in words for the start-up lines. */
export function describeBinding(address: AddressInfo): { url: string; localUrl: string; wide: boolean; note: string } {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const wide = address.address === '0.0.0.0' || address.address === '::';
  const loopback = LOOPBACK.test(address.address);
  const localHost = wide ? (address.address === '::' ? '[::1]' : '127.0.0.1') : host;
  return {
    url: `http://${host}:${address.port}`,
    localUrl: `http://${localHost}:${address.port}`,
    wide,
    note: wide
      ? `every network interface (HOST=${address.address}); set HOST=127.0.0.1 to accept this machine only`
      : loopback
        ? `${address.address} only (loopback: this machine); set HOST=0.0.0.0 to accept connections from the network`
        : `${address.address} only (HOST)`,
  };
}
