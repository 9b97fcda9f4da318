/**
 * docs/security.md stays honest: every test file it cites exists and every test name it
 * quotes after a file is in that file; every source file it names exists; it has a section
 * for each of the ten OWASP API Security Top 10 (2023) risks, under its published name;
 * its table of issue 13's eleven behaviours cites a test on every row; and the READMEs
 * link to it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const doc = readFileSync(path.join(root, 'docs/security.md'), 'utf8');

/** The published names (owasp.org/API-Security/editions/2023). */
const OWASP_2023 = [
  'Broken Object Level Authorization',
  'Broken Authentication',
  'Broken Object Property Level Authorization',
  'Unrestricted Resource Consumption',
  'Broken Function Level Authorization',
  'Unrestricted Access to Sensitive Business Flows',
  'Server Side Request Forgery',
  'Security Misconfiguration',
  'Improper Inventory Management',
  'Unsafe Consumption of APIs',
];

/** `file.test.ts` "name", "name"…: each file cited, with the names quoted right after it. */
function citations(text: string): Array<{ file: string; names: string[] }> {
  const found = [];
  for (const match of text.matchAll(/`([^`\s]+\.test\.ts)`((?:[ \t]*[,;]?[ \t]*"[^"\n]+")*)/g)) {
    found.push({ file: match[1]!, names: [...match[2]!.matchAll(/"([^"\n]+)"/g)].map((name) => name[1]!) });
  }
  return found;
}

describe('docs/security.md', () => {
  const cited = citations(doc);

  it('cites test files that exist', () => {
    expect(cited.length).toBeGreaterThan(40);
    const missing = [...new Set(cited.map(({ file }) => file))].filter((file) => !existsSync(path.join(root, file)));
    expect(missing).toEqual([]);
  });

  it('quotes only test names that are in the file it cites', () => {
    const quoted = cited.flatMap(({ file, names }) => names.map((name) => ({ file, name })));
    expect(quoted.length).toBeGreaterThan(60);
    // Test names are written in single-quoted strings as often as not: drop the escapes.
    const sources = new Map<string, string>();
    const source = (file: string) => sources.get(file) ?? sources.set(file, readFileSync(path.join(root, file), 'utf8').replaceAll('\\', '')).get(file)!;
    const absent = quoted.filter(({ file, name }) => existsSync(path.join(root, file)) && !source(file).includes(name));
    expect(absent).toEqual([]);
  });

  it('names only source files that exist', () => {
    const files = [...doc.matchAll(/`((?:server|bot|cli|sdk|miniapp)\/(?:src|test)\/[\w./-]+\.\w+)`/g)].map((match) => match[1]!);
    expect(files.length).toBeGreaterThan(0);
    expect([...new Set(files)].filter((file) => !existsSync(path.join(root, file)))).toEqual([]);
  });

  it('has a section for each OWASP API Security Top 10 (2023) risk, in order, under its published name, each citing a test', () => {
    const sections = [...doc.matchAll(/^### API(\d+):2023 (.+)$/gm)].map((match) => ({ number: Number(match[1]), name: match[2]!.trim(), at: match.index }));
    expect(sections.map(({ number, name }) => `API${number} ${name}`)).toEqual(OWASP_2023.map((name, index) => `API${index + 1} ${name}`));
    sections.forEach((section, index) => {
      const end = sections[index + 1]?.at ?? doc.indexOf('\n## ', section.at);
      expect(citations(doc.slice(section.at, end)).length, `API${section.number} cites no test`).toBeGreaterThan(0);
    });
  });

  it("tables issue 13's eleven behaviours, each with a test", () => {
    const rows = [...doc.matchAll(/^\| (\d+) \|.*$/gm)];
    expect(rows.map((row) => Number(row[1]))).toEqual(Array.from({ length: 11 }, (_, index) => index + 1));
    for (const row of rows) expect(citations(row[0]).length, row[0].slice(0, 60)).toBeGreaterThan(0);
  });

  it('is linked from the root README and server/README.md', () => {
    expect(readFileSync(path.join(root, 'README.md'), 'utf8')).toContain('](docs/security.md)');
    expect(readFileSync(path.join(root, 'server/README.md'), 'utf8')).toContain('](../docs/security.md)');
  });
});
