import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { FastCounter, FastHistogram } from '../../src/metric-series.js';

describe('hot-path metric series', () => {
  it('renders counters and cumulative histogram buckets in the Prometheus text format', async () => {
    const registry = new Registry();
    const counter = new FastCounter('demo_requests_total', 'Requests.', registry);
    const histogram = new FastHistogram('demo_seconds', 'Latency.', [0.1, 1], registry);
    const ok = counter.series({ route: '/a', status: '200' });
    ok.inc();
    ok.inc(2);
    counter.series({ route: '/a', status: '500' }).inc();
    const latency = histogram.series({ route: '/a' });
    for (const value of [0.05, 0.5, 0.7, 3]) latency.observe(value);

    const text = await registry.metrics();
    expect(text).toContain('# TYPE demo_requests_total counter');
    expect(text).toContain('demo_requests_total{route="/a",status="200"} 3');
    expect(text).toContain('demo_requests_total{route="/a",status="500"} 1');
    expect(text).toContain('# TYPE demo_seconds histogram');
    expect(text).toContain('demo_seconds_bucket{route="/a",le="0.1"} 1');
    expect(text).toContain('demo_seconds_bucket{route="/a",le="1"} 3');
    expect(text).toContain('demo_seconds_bucket{route="/a",le="+Inf"} 4');
    expect(text).toContain('demo_seconds_sum{route="/a"} 4.25');
    expect(text).toContain('demo_seconds_count{route="/a"} 4');
    expect(counter.series({ route: '/a', status: '200' })).toBe(ok);
  });
});
