/**
 * Counters and histograms for the hot path that prom-client's registry exposes.
 *
 * prom-client's own metrics validate and hash their label object on every `inc` and
 * `observe`, even through a child from `labels()`: several µs per request on this path.
 * These keep one plain record per label set, resolved once by the caller (`series()`),
 * so an observation is a few additions; the registry reads them only when `/metrics` is
 * scraped, through the `get()` it calls on every registered metric.
 */
import type { Registry } from 'prom-client';

type Labels = Record<string, string>;

interface MetricValue {
  labels: Labels;
  value: number;
  metricName?: string;
}

abstract class Series<Child> {
  protected readonly children = new Map<string, { labels: Labels; child: Child }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'histogram',
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The record of one label set: keep it, and update it on the hot path. */
  series(labels: Labels): Child {
    const id = JSON.stringify(labels);
    let entry = this.children.get(id);
    if (!entry) this.children.set(id, (entry = { labels, child: this.create() }));
    return entry.child;
  }

  protected abstract create(): Child;
  protected abstract values(): MetricValue[];

  /** What prom-client's registry calls when it renders the metrics. */
  async get() {
    return { name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: 'sum' };
  }

  reset(): void {
    this.children.clear();
  }
}

export interface CounterSeries {
  value: number;
  inc(amount?: number): void;
}

export class FastCounter extends Series<CounterSeries> {
  constructor(name: string, help: string, registry: Registry) {
    super(name, help, 'counter', registry);
  }

  protected create(): CounterSeries {
    return {
      value: 0,
      inc(amount = 1) {
        this.value += amount;
      },
    };
  }

  protected values(): MetricValue[] {
    return [...this.children.values()].map(({ labels, child }) => ({ labels, value: child.value }));
  }
}

export interface HistogramSeries {
  counts: number[];
  sum: number;
  count: number;
  observe(value: number): void;
}

export class FastHistogram extends Series<HistogramSeries> {
  constructor(
    name: string,
    help: string,
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    super(name, help, 'histogram', registry);
  }

  protected create(): HistogramSeries {
    const buckets = this.buckets;
    return {
      counts: buckets.map(() => 0),
      sum: 0,
      count: 0,
      observe(value: number) {
        this.sum += value;
        this.count += 1;
        for (let i = 0; i < buckets.length; i++) {
          if (value <= buckets[i]!) {
            this.counts[i]! += 1;
            return;
          }
        }
      },
    };
  }

  protected values(): MetricValue[] {
    const out: MetricValue[] = [];
    for (const { labels, child } of this.children.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, index) => {
        cumulative += child.counts[index]!;
        out.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: String(bound) }, value: cumulative });
      });
      out.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: child.count });
      out.push({ metricName: `${this.name}_sum`, labels, value: child.sum });
      out.push({ metricName: `${this.name}_count`, labels, value: child.count });
    }
    return out;
  }
}
