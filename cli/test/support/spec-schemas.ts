import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const SPEC_ID = 'https://kikuai.dev/openapi.yaml';
const document = parse(readFileSync(fileURLToPath(new URL('../../../openapi.yaml', import.meta.url)), 'utf8')) as {
  components: { schemas: Record<string, unknown> };
};
// OpenAPI 3.1 schemas are JSON Schema 2020-12; `example` is an OpenAPI annotation.
const ajv = new Ajv2020({ strict: false, allErrors: true, keywords: ['example'] });
addFormats(ajv);
ajv.addSchema({ $id: SPEC_ID, components: document.components });

/** Throws, naming every mismatch, unless `value` conforms to `components.schemas[name]` of openapi.yaml. */
export function assertMatchesSchema(name: string, value: unknown): void {
  if (!(name in document.components.schemas)) throw new Error(`openapi.yaml has no schema ${name}`);
  const validate = ajv.getSchema(`${SPEC_ID}#/components/schemas/${name}`)!;
  if (!validate(value)) {
    throw new Error(`Not a ${name}: ${ajv.errorsText(validate.errors, { separator: '; ' })}\n${JSON.stringify(value, null, 2).slice(0, 2000)}`);
  }
}

/** Parses `--json` output (which must be nothing but JSON) and checks it against the spec. */
export function parseAs<T = any>(name: string, stdout: string): T {
  const value = JSON.parse(stdout) as T;
  assertMatchesSchema(name, value);
  return value;
}
