/**
 * The bot logs pino-style JSON lines. Any pino logger fits this interface; the default
 * writes one JSON object per line to stdout. Never pass a key, a token or message text:
 * callers log ids, commands and error codes only.
 */
export interface Logger {
  debug(fields: Record<string, unknown>, message?: string): void;
  info(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
  error(fields: Record<string, unknown>, message?: string): void;
}

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

export function createJsonLogger(options: { level?: LogLevel; write?: (line: string) => void } = {}): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const at = (level: Exclude<LogLevel, 'silent'>) => (fields: Record<string, unknown>, message?: string) => {
    if (LEVELS[level] < threshold) return;
    write(`${JSON.stringify({ level: LEVELS[level], time: Date.now(), name: 'kikuai-bot', ...fields, ...(message ? { msg: message } : {}) })}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
