import { formatUsd } from './money.js';
import type { Paint } from './terminal.js';

export interface UsageRowLike {
  day: string;
  product_id: string;
  requests: number;
  errors: number;
  cost_micros: number;
}

export interface UsageReportLike {
  from: string;
  to: string;
  rows: readonly UsageRowLike[];
  totals: { requests: number; errors: number; cost_micros: number };
}

const GLYPHS = ['█', '▓', '▒', '░', '▞', '▚'];
const BAR_WIDTH = 40;
/** Ranges up to this many days show every day, also the empty ones. */
const SHOW_EMPTY_DAYS_UP_TO = 62;

/**
 * One line per UTC day, a bar stacked by product and scaled to the busiest day, then a
 * legend and the totals. Bars measure cost; when nothing cost anything, requests.
 */
export function renderUsageChart(report: UsageReportLike, paint: Paint): string {
  const products = [...new Set(report.rows.map((row) => row.product_id))].sort();
  const colours = [paint.cyan, paint.magenta, paint.yellow, paint.green, paint.blue, paint.red];
  const style = (index: number) => ({ glyph: GLYPHS[index % GLYPHS.length]!, colour: colours[index % colours.length]! });

  const byDay = new Map<string, Map<string, { requests: number; cost: number }>>();
  for (const row of report.rows) {
    const day = byDay.get(row.day) ?? new Map<string, { requests: number; cost: number }>();
    const cell = day.get(row.product_id) ?? { requests: 0, cost: 0 };
    cell.requests += row.requests;
    cell.cost += row.cost_micros;
    day.set(row.product_id, cell);
    byDay.set(row.day, day);
  }

  const measureCost = report.rows.some((row) => row.cost_micros > 0);
  const measure = (cell: { requests: number; cost: number }) => (measureCost ? cell.cost : cell.requests);
  const days = listDays(report.from, report.to);
  const shownDays = days.length <= SHOW_EMPTY_DAYS_UP_TO ? days : days.filter((day) => byDay.has(day));
  const maximum = Math.max(0, ...[...byDay.values()].map((cells) => [...cells.values()].reduce((sum, cell) => sum + measure(cell), 0)));

  const lines = [paint.bold(`Usage ${report.from} → ${report.to}`), ''];
  if (report.rows.length === 0) lines.push(paint.dim('No metered calls in this range.'), '');
  else {
    for (const day of shownDays) {
      const cells = byDay.get(day);
      let bar = '';
      let requests = 0;
      let cost = 0;
      products.forEach((product, index) => {
        const cell = cells?.get(product);
        if (!cell) return;
        requests += cell.requests;
        cost += cell.cost;
        const width = maximum === 0 ? 0 : Math.max(measure(cell) > 0 ? 1 : 0, Math.round((measure(cell) / maximum) * BAR_WIDTH));
        const { glyph, colour } = style(index);
        bar += colour(glyph.repeat(width));
      });
      const padding = ' '.repeat(Math.max(0, BAR_WIDTH - visibleLength(bar)));
      const figures = cells ? `${formatUsd(cost).padStart(10)}  ${String(requests).padStart(6)} req` : paint.dim('         -');
      lines.push(`${day}  ${bar}${padding}  ${figures}`);
    }
    lines.push('', products.map((product, index) => `${style(index).colour(style(index).glyph)} ${product}`).join('   '), '');
  }
  const { requests, errors, cost_micros } = report.totals;
  lines.push(`Total: ${requests} ${requests === 1 ? 'request' : 'requests'}, ${errors} refunded, ${formatUsd(cost_micros)}`);
  return lines.join('\n');
}

function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001B\[[0-9;]*m/g, '').length;
}

/** Every `YYYY-MM-DD` from `from` to `to`, inclusive (UTC). */
export function listDays(from: string, to: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let time = Date.parse(`${from}T00:00:00Z`); time <= end && days.length < 1000; time += 86_400_000) {
    days.push(new Date(time).toISOString().slice(0, 10));
  }
  return days;
}
