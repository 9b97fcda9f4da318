import { describe, expect, it } from 'vitest';
import { renderUsageChart } from './usage-chart.js';
import { paintFor } from './terminal.js';

const plain = paintFor({ isTTY: false } as NodeJS.WriteStream, {});

describe('renderUsageChart', () => {
  it('draws one bar per day, stacked by product and scaled to the busiest day', () => {
    const chart = renderUsageChart(
      {
        from: '2026-11-24',
        to: '2026-11-26',
        rows: [
          { day: '2026-11-24', product_id: 'reliapi', requests: 10, errors: 0, cost_micros: 10_000 },
          { day: '2026-11-26', product_id: 'reliapi', requests: 5, errors: 1, cost_micros: 5_000 },
          { day: '2026-11-26', product_id: 'routellm', requests: 5, errors: 0, cost_micros: 5_000 },
        ],
        totals: { requests: 20, errors: 1, cost_micros: 20_000 },
      },
      plain,
    );
    const lines = chart.split('\n');
    expect(lines[0]).toBe('Usage 2026-11-24 → 2026-11-26');
    expect(lines.find((line) => line.startsWith('2026-11-24'))).toContain('█'.repeat(40));
    expect(lines.find((line) => line.startsWith('2026-11-24'))).toContain('$0.01');
    expect(lines.find((line) => line.startsWith('2026-11-25'))).not.toContain('█');
    expect(lines.find((line) => line.startsWith('2026-11-26'))).toContain(`${'█'.repeat(20)}${'▓'.repeat(20)}`);
    expect(chart).toContain('█ reliapi   ▓ routellm');
    expect(lines.at(-1)).toBe('Total: 20 requests, 1 refunded, $0.02');
  });

  it('says so when nothing was used', () => {
    const chart = renderUsageChart({ from: '2026-11-26', to: '2026-11-26', rows: [], totals: { requests: 0, errors: 0, cost_micros: 0 } }, plain);
    expect(chart).toContain('No metered calls in this range.');
    expect(chart).toContain('Total: 0 requests, 0 refunded, $0.00');
  });
});
