/** `YYYY-MM-DD` of a date in UTC (usage is aggregated by UTC day). */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The last `count` UTC days, oldest first, ending today. */
export function lastDays(count: number, today: Date = new Date()): string[] {
  const days: string[] = [];
  for (let offset = count - 1; offset >= 0; offset -= 1) {
    days.push(utcDay(new Date(today.getTime() - offset * 86_400_000)));
  }
  return days;
}

// One formatter per locale and style: building an Intl.DateTimeFormat is the slow part.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale ?? ''}${JSON.stringify(options)}`;
  let format = formatters.get(key);
  if (!format) formatters.set(key, (format = new Intl.DateTimeFormat(locale, options)));
  return format;
}

/** A moment in the user's time zone; `locale` unset: the browser's. */
export function formatDateTime(iso: string, locale?: string): string {
  return formatter(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function formatDate(iso: string, locale?: string): string {
  return formatter(locale, { dateStyle: 'medium' }).format(new Date(iso));
}

/** A UTC day (`2026-11-28`) as people write it: `28 Nov`, `28 нояб.`. */
export function formatDay(day: string, locale?: string): string {
  return formatter(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));
}

/** The short weekday of a UTC day: `Sat`, `сб`. */
export function weekdayOf(day: string, locale?: string): string {
  return formatter(locale, { weekday: 'short', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));
}
