const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;

/**
 * A moment as people type it: `tomorrow`, `30d`, `2h`, `in 3 weeks`, `next friday`, an
 * ISO date (`2027-01-01`, midnight UTC) or an RFC 3339 timestamp. Durations count from
 * `now`, forward. Undefined unless the whole text is understood: `30d garbage` is not `30d`.
 * chrono-node does the reading; it is loaded only when a date flag is given.
 */
export async function parseWhen(text: string, now: Date = new Date()): Promise<Date | undefined> {
  const input = text.trim();
  if (ISO_DATE.test(input)) return validDate(new Date(`${input}T00:00:00Z`), input.slice(0, 10));
  if (ISO_TIMESTAMP.test(input)) return validDate(new Date(input));
  const chrono = await import('chrono-node');
  const results = chrono.parse(input, now, { forwardDate: true });
  const [only] = results;
  if (results.length !== 1 || !only || only.index !== 0 || only.text.length !== input.length) return undefined;
  return validDate(only.start.date());
}

function validDate(date: Date, expectedDay?: string): Date | undefined {
  if (Number.isNaN(date.getTime())) return undefined;
  // `2026-02-30` would roll over to March: refuse it rather than guess.
  if (expectedDay && date.toISOString().slice(0, 10) !== expectedDay) return undefined;
  return date;
}

/** RFC 3339 in UTC to the second, as the API takes it. */
export function toTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
