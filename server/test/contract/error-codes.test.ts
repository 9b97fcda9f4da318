/**
 * The spec's `ErrorCode` enum and the server agree both ways: every code the server
 * builds a problem with is in the enum (the type-check enforces it too, through
 * `src/http/error-codes.ts`), and every code of the enum is sent somewhere in
 * `server/src` or marked reserved in the enum's description table. Problem details stay
 * neutral about callers: none names a CLI command, a bot command or an SDK method.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/app.js';
import { ERROR_TITLES } from '../../src/http/error-codes.js';

const sourceRoot = fileURLToPath(new URL('../../src/', import.meta.url));
const CATALOGUE = 'http/error-codes.ts';

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const sources = sourceFiles(sourceRoot).map((path) => ({ path: relative(sourceRoot, path), text: readFileSync(path, 'utf8') }));

const errorCode = (loadSpec().document.components as { schemas: Record<string, { enum: string[]; description: string }> }).schemas.ErrorCode!;

/** The rows of the description table: `| \`code\` | status | meaning |`. */
const tableRows = [...errorCode.description.matchAll(/^\| `([a-z_]+)` \| ([^|]+) \| ([^|]+) \|$/gm)].map(([, code, status, meaning]) => ({
  code: code!,
  status: status!.trim(),
  reserved: meaning!.trim().startsWith('Reserved:'),
}));
const reserved = new Set(tableRows.filter((row) => row.reserved).map((row) => row.code));

/** Codes a problem is built with in the source: `ApiProblem(status, 'code'`, `problemBody(status, 'code'`, `[status, 'code', …]`. */
const builtCodes = sources.flatMap(({ path, text }) =>
  [...text.matchAll(/(?:new ApiProblem\(|problemBody\(|\[)\s*\d{3}(?: as number)?,\s*'([a-z_]+)'/g)].map((match) => ({ path, code: match[1]! })),
);

describe('error codes: the spec and the server', () => {
  it('documents every code of the enum once, in its order, with a status or as reserved', () => {
    expect(tableRows.map((row) => row.code)).toEqual(errorCode.enum);
    for (const row of tableRows) expect(row.status, row.code).toMatch(/^[1-5]\d\d(, [1-5]\d\d)*$/);
  });

  it('builds problems only with codes of the enum', () => {
    expect(builtCodes.length).toBeGreaterThan(40);
    const unknown = builtCodes.filter(({ code }) => !errorCode.enum.includes(code));
    expect(unknown).toEqual([]);
  });

  it('gives every code of the enum, and no other, a title', () => {
    expect(Object.keys(ERROR_TITLES).sort()).toEqual([...errorCode.enum].sort());
  });

  it('sends every code of the enum somewhere, unless it is marked reserved (and then nowhere)', () => {
    const sentSomewhere = (code: string) => sources.some(({ path, text }) => path !== CATALOGUE && text.includes(`'${code}'`));
    const neverSent = errorCode.enum.filter((code) => !reserved.has(code) && !sentSomewhere(code));
    expect(neverSent).toEqual([]);
    const reservedButSent = [...reserved].filter((code) => builtCodes.some((built) => built.code === code));
    expect(reservedButSent).toEqual([]);
  });

  it('keeps problem details neutral about callers: no CLI command, bot command or SDK method', () => {
    const problemTexts = sources.flatMap(({ path, text }) =>
      [...text.matchAll(/(?:new ApiProblem\(|problemBody\(|\[)\s*(?:\d{3}|status|error\.statusCode)[^;]*?(?:\);|\],)/gs)].map((match) => ({
        path,
        text: match[0],
      })),
    );
    expect(problemTexts.length).toBeGreaterThan(40);
    const callerWords =
      /`kikuai |\bkikuai (?:keys|topup|login|call|llm|balance)\b|\s--[a-z]|(?:^|[\s(])\/(?:start|topup|api_key|support|help|keys|balance)\b|\b(?:keys|topups|auth|balance|admin|stars|proxy)\.[a-z]+\(|createKikuaiClient/;
    const offending = problemTexts.filter(({ text }) => callerWords.test(text)).map(({ path, text }) => `${path}: ${text.slice(0, 160)}`);
    expect(offending).toEqual([]);
  });
});
