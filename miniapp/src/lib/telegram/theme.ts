import type { ThemeParams } from './launch-params.js';

export type ColorScheme = 'light' | 'dark';

/** Telegram's own rule (telegram-web-app.js): a background darker than 120 of perceived brightness is dark. */
export function colorSchemeOf(theme: ThemeParams): ColorScheme {
  const rgb = parseHexColor(theme.bg_color);
  if (!rgb) return 'light';
  const [r, g, b] = rgb;
  return Math.sqrt(0.299 * r * r + 0.587 * g * g + 0.114 * b * b) < 120 ? 'dark' : 'light';
}

export function parseHexColor(color: string | undefined): [number, number, number] | null {
  if (!color) return null;
  let hex = color.replace(/^#/, '');
  if (hex.length === 3) hex = [...hex].map((digit) => digit + digit).join('');
  if (!/^[0-9a-f]{6}/i.test(hex)) return null;
  return [0, 2, 4].map((start) => parseInt(hex.slice(start, start + 2), 16)) as [number, number, number];
}

/** Sets `--tg-theme-bg-color`, `--tg-theme-button-text-color`, … and `--tg-color-scheme`, as telegram-web-app.js does. */
export function applyThemeVariables(root: HTMLElement, theme: ThemeParams): void {
  for (const property of [...root.style]) {
    if (property.startsWith('--tg-theme-')) root.style.removeProperty(property);
  }
  for (const [key, color] of Object.entries(theme)) {
    if (color) root.style.setProperty(`--tg-theme-${key.replaceAll('_', '-')}`, color);
  }
  // Without a theme (outside Telegram) the page follows the system's light or dark preference.
  if (!theme.bg_color) {
    root.style.removeProperty('--tg-color-scheme');
    delete root.dataset.colorScheme;
    return;
  }
  const scheme = colorSchemeOf(theme);
  root.style.setProperty('--tg-color-scheme', scheme);
  root.dataset.colorScheme = scheme;
  root.style.colorScheme = scheme;
}
