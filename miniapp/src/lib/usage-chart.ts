import { lastDays } from './dates.js';
import type { UsageRow } from './api/types.js';

export interface UsageDay {
  day: string;
  totalMicros: number;
  requests: number;
  /** Cost per product, in the order of `products`. */
  segments: { productId: string; micros: number }[];
}

export interface UsageSeries {
  days: UsageDay[];
  products: string[];
  maxMicros: number;
  totalMicros: number;
  totalRequests: number;
}

/** Sums the API's rows (by day, product and key) into one stacked bar per day, every day of the range present. */
export function usageSeries(rows: readonly UsageRow[], dayCount: number, today: Date = new Date()): UsageSeries {
  const products = [...new Set(rows.map((row) => row.product_id))].sort();
  const byDay = new Map<string, Map<string, number>>();
  const requestsByDay = new Map<string, number>();
  for (const row of rows) {
    const perProduct = byDay.get(row.day) ?? new Map<string, number>();
    perProduct.set(row.product_id, (perProduct.get(row.product_id) ?? 0) + row.cost_micros);
    byDay.set(row.day, perProduct);
    requestsByDay.set(row.day, (requestsByDay.get(row.day) ?? 0) + row.requests);
  }
  const days = lastDays(dayCount, today).map((day): UsageDay => {
    const perProduct = byDay.get(day);
    const segments = products.map((productId) => ({ productId, micros: perProduct?.get(productId) ?? 0 }));
    return {
      day,
      segments,
      totalMicros: segments.reduce((sum, segment) => sum + segment.micros, 0),
      requests: requestsByDay.get(day) ?? 0,
    };
  });
  return {
    days,
    products,
    maxMicros: Math.max(0, ...days.map((day) => day.totalMicros)),
    totalMicros: days.reduce((sum, day) => sum + day.totalMicros, 0),
    totalRequests: days.reduce((sum, day) => sum + day.requests, 0),
  };
}
