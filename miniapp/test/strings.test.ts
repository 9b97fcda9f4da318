import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'svelte/compiler';
import { describe, expect, it } from 'vitest';

/*
 * Every word a screen shows comes from the catalogs (src/lib/i18n/), so a Russian reader
 * never meets English. This reads each .svelte file's markup and script with Svelte's own
 * parser and lists the words written into it instead: text between tags, static text in an
 * attribute people read (title, label, aria-label, placeholder, a component's text props),
 * and string literals that read as prose. The browser test checks the rendered screens too.
 */

const sourceDir = fileURLToPath(new URL('../src/', import.meta.url));

/** Attributes whose static values are for the machine, never read by a person. */
const technicalAttributes = new Set([
  'class',
  'id',
  'for',
  'type',
  'name',
  'role',
  'href',
  'target',
  'rel',
  'viewBox',
  'd',
  'fill',
  'width',
  'height',
  'inputmode',
  'autocomplete',
  'enterkeyhint',
  'maxlength',
  'tabindex',
  'lang',
  'value',
  'shape',
  'testid',
  'testId',
  'aria-hidden',
  'aria-live',
  'aria-busy',
  'aria-labelledby',
  'aria-describedby',
  'scope',
  'generics',
]);

/** Names the DOM gives to keys (`event.key === 'Escape'`), compared with, never shown. */
const keyNames = new Set(['Escape', 'Enter']);

/** Words that are the same in every language: a tool's name and the time zone. */
const universalWords = /\b(curl|UTC)\b/g;

const hasWords = (text: string) => /\p{L}/u.test(text.replace(universalWords, ''));
/** A string literal that reads as words to a person (`'Show calls'`, `'Credit'`), not a key, a CSS value or an id. */
const isProse = (text: string) => !keyNames.has(text) && (/\p{L}{2,}\s+\p{L}/u.test(text.replace(universalWords, '')) || /^\p{Lu}\p{Ll}+$/u.test(text));

type Node = { type?: string; name?: string; value?: unknown; data?: string; start?: number; [key: string]: unknown };

/** The English (or any) words written into a component instead of coming from a catalog. */
export function literalWords(source: string, filename = 'Component.svelte'): string[] {
  const ast = parse(source, { modern: true, filename }) as unknown as { fragment: Node; instance?: Node; module?: Node };
  const found: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    const node = value as Node;
    if (node.type === 'Attribute' && Array.isArray(node.value)) {
      const technical = technicalAttributes.has(node.name ?? '') || node.name?.startsWith('data-');
      for (const part of node.value as Node[]) {
        if (part.type === 'Text' && !technical && hasWords(part.data ?? '')) found.push(`${node.name}="${part.data}"`);
        else if (part.type !== 'Text') visit(part);
      }
      return;
    }
    if (node.type === 'Text' && hasWords(node.data ?? '')) found.push((node.data ?? '').trim());
    if (node.type === 'Literal' && typeof node.value === 'string' && isProse(node.value)) found.push(`'${node.value}'`);
    if (node.type === 'TemplateElement') {
      const cooked = (node.value as { cooked?: string }).cooked ?? '';
      if (isProse(cooked.trim())) found.push(`\`${cooked}\``);
    }
    for (const [key, child] of Object.entries(node)) {
      if (key !== 'metadata' && key !== 'loc' && key !== 'leadingComments' && key !== 'trailingComments') visit(child);
    }
  };
  visit(ast.fragment);
  visit(ast.instance);
  visit(ast.module);
  return found;
}

function svelteFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return svelteFiles(full);
    return entry.name.endsWith('.svelte') ? [full] : [];
  });
}

describe('words on screen', () => {
  it('finds words written into markup, attributes and script, and lets catalog lookups, data and names through', () => {
    const source = `<script lang="ts">
  const kinds = { credit: 'Credit', debit: 'Charge' };
  const key = 'history.title';
  const css = 'var(--button)';
</script>
<Page title="History" testid="history">
  <p class="hint" aria-label="Balance changes">No changes yet.</p>
  <span>{open ? 'Hide calls' : t('history.show-calls')}</span>
  <span>{time} UTC · {item.product_id}</span>
  <CopyLine label="curl" text={quickstart.curl} />
  <h2>{t('product.prices')}</h2>
</Page>`;
    expect(literalWords(source)).toEqual(['title="History"', 'aria-label="Balance changes"', 'No changes yet.', "'Hide calls'", "'Credit'", "'Charge'"]);
  });

  it('has no words outside the catalogs in any screen or component', () => {
    const found = svelteFiles(sourceDir).flatMap((file) =>
      literalWords(readFileSync(file, 'utf8'), file).map((words) => `${path.relative(sourceDir, file)}: ${words}`),
    );
    expect(found).toEqual([]);
  });
});
