import type { ProxyMetering } from '@kikuai/sdk';
import { formatUsd } from './money.js';

/** `Cost $0.001 · balance $9.999 · request req_…`, for stderr after a proxied call. */
export function describeMetering(metering: Pick<ProxyMetering, 'costMicros' | 'balanceMicros' | 'requestId'>): string {
  const parts: string[] = [];
  if (metering.costMicros !== null) parts.push(`Cost ${formatUsd(metering.costMicros)}`);
  if (metering.balanceMicros !== null) parts.push(`balance ${formatUsd(metering.balanceMicros)}`);
  if (metering.requestId) parts.push(`request ${metering.requestId}`);
  return parts.join(' · ');
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * When a product refuses a call with its own body (an upstream 4xx, passed through and
 * charged), that body is the answer the user needs: print it before the error line.
 */
export function printUpstreamRefusal(error: unknown): void {
  const candidate = error as { name?: string; problem?: unknown; body?: unknown; costMicros?: number | null };
  if (candidate?.name !== 'KikuaiError' || candidate.problem !== undefined || candidate.body === undefined || candidate.costMicros == null) return;
  const text = typeof candidate.body === 'string' ? candidate.body : JSON.stringify(candidate.body, null, 2);
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
