/** Colours only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function colorsEnabled(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return Boolean(stream.isTTY);
}

export interface Paint {
  // Function-valued properties, not methods: each is passed around on its own (`{ header: paint.bold }`).
  bold: (text: string) => string;
  dim: (text: string) => string;
  red: (text: string) => string;
  green: (text: string) => string;
  yellow: (text: string) => string;
  cyan: (text: string) => string;
  magenta: (text: string) => string;
  blue: (text: string) => string;
}

const codes: Record<keyof Paint, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
};

export function paintFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): Paint {
  const enabled = colorsEnabled(stream, env);
  const paint = {} as Paint;
  for (const [name, [open, close]] of Object.entries(codes) as Array<[keyof Paint, [number, number]]>) {
    paint[name] = enabled ? (text) => `\u001B[${open}m${text}\u001B[${close}m` : (text) => text;
  }
  return paint;
}

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001B\[[0-9;]*m/g, '');
}

/** Prompts are allowed only for a person at a terminal: never in CI, never from a pipe. */
export function canPrompt(env: NodeJS.ProcessEnv = process.env, stdin: NodeJS.ReadStream = process.stdin): boolean {
  return Boolean(stdin.isTTY) && !isCi(env);
}

export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI.toLowerCase() !== 'false';
}
