/**
 * fast-check arbitraries from the JSON Schemas of openapi.yaml: values that conform
 * (`validValue`) and near-misses (`nearMiss`: a valid value with one thing wrong — a
 * wrong type, a number out of range or not an integer, an over-long or malformed
 * string, a required field missing, an unknown field added).
 */
import fc from 'fast-check';

export type Schema = Record<string, any>;

export class SpecSchemas {
  /**
   * Values known to the world under test, by property name (a product id that exists, the
   * payload of a real invoice): used for most values of a property of that name, so that
   * valid requests get past the checks the schema cannot express.
   */
  readonly hints = new Map<string, () => fc.Arbitrary<unknown>>();

  constructor(readonly document: Record<string, any>) {}

  /** Follows `$ref`s (local, `#/…`) until a schema without one. */
  resolve(schema: Schema | undefined): Schema {
    let current: Schema = schema ?? {};
    for (let depth = 0; current && typeof current.$ref === 'string' && depth < 20; depth++) {
      current = this.pointer(current.$ref) as Schema;
    }
    return current ?? {};
  }

  pointer(ref: string): unknown {
    let node: any = this.document;
    for (const part of ref.replace(/^#\//, '').split('/')) node = node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    return node;
  }
}

const MAX_DEPTH = 5;

function typesOf(schema: Schema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (typeof schema.type === 'string') return [schema.type];
  if (schema.properties || schema.required) return ['object'];
  if (schema.items) return ['array'];
  return [];
}

function stringArbitrary(schema: Schema): fc.Arbitrary<string> {
  const maxLength = Math.min(schema.maxLength ?? 40, 60);
  const minLength = schema.minLength ?? 0;
  switch (schema.format) {
    case 'date-time':
      // Future and past moments, whole seconds.
      return fc.integer({ min: -365 * 86_400, max: 365 * 86_400 }).map((offset) => new Date(Math.floor(Date.now() / 1000 + offset) * 1000).toISOString());
    case 'date':
      return fc.integer({ min: -60, max: 60 }).map((days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10));
    case 'uri':
    case 'url':
      return fc.webUrl();
    case 'email':
      return fc.emailAddress();
    case 'uuid':
      return fc.uuid();
    default:
      break;
  }
  if (typeof schema.pattern === 'string') {
    return fc.stringMatching(new RegExp(schema.pattern)).filter((value) => value.length >= minLength && value.length <= (schema.maxLength ?? Infinity));
  }
  return fc.string({ minLength, maxLength: Math.max(minLength, maxLength) });
}

function numberArbitrary(schema: Schema, integer: boolean): fc.Arbitrary<number> {
  let min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + (integer ? 1 : 1e-6) : -1_000_000);
  let max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - (integer ? 1 : 1e-6) : 1_000_000_000);
  if (max < min) [min, max] = [max, min];
  if (integer) {
    // Bounds and small values are where the bugs are.
    const low = Math.ceil(min);
    const high = Math.floor(max);
    return fc.oneof(fc.integer({ min: low, max: high }), fc.constantFrom(low, high), fc.integer({ min: low, max: Math.min(high, low + 20_000_000) }));
  }
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

/** Values that conform to `schema`. */
export function validValue(schemas: SpecSchemas, input: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const schema = schemas.resolve(input);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  if (Array.isArray(schema.oneOf)) return fc.oneof(...schema.oneOf.map((option: Schema) => validValue(schemas, option, depth + 1)));
  if (Array.isArray(schema.anyOf)) return fc.oneof(...schema.anyOf.map((option: Schema) => validValue(schemas, option, depth + 1)));
  if (Array.isArray(schema.allOf)) {
    const merged: Schema = { type: 'object', properties: {}, required: [] };
    for (const part of schema.allOf.map((option: Schema) => schemas.resolve(option))) {
      Object.assign(merged.properties, part.properties ?? {});
      merged.required.push(...(part.required ?? []));
      if (part.additionalProperties === false) merged.additionalProperties = false;
    }
    return validValue(schemas, merged, depth + 1);
  }
  const types = typesOf(schema);
  if (types.length === 0) return depth >= MAX_DEPTH ? fc.constant(null) : fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
  return fc.oneof(...types.map((type) => valueOfType(schemas, schema, type, depth)));
}

function valueOfType(schemas: SpecSchemas, schema: Schema, type: string, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return numberArbitrary(schema, true);
    case 'number':
      return numberArbitrary(schema, false);
    case 'string':
      return stringArbitrary(schema);
    case 'array': {
      const items = depth >= MAX_DEPTH ? fc.constant(null) : validValue(schemas, schema.items, depth + 1);
      const constraints = { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, 4) };
      return schema.uniqueItems ? fc.uniqueArray(items, { ...constraints, selector: (value) => JSON.stringify(value) }) : fc.array(items, constraints);
    }
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set<string>(schema.required ?? []);
      if (depth >= MAX_DEPTH) return fc.constant({});
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, property] of Object.entries(properties)) {
        const hint = schemas.hints.get(name);
        const generated = validValue(schemas, property, depth + 1);
        model[name] = hint ? fc.oneof({ weight: 4, arbitrary: hint() }, { weight: 1, arbitrary: generated }) : generated;
      }
      const record = fc.record(model, { requiredKeys: [...required].filter((name) => name in model), noNullPrototype: true });
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        return fc
          .tuple(
            record,
            fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), validValue(schemas, schema.additionalProperties, depth + 1), {
              maxKeys: 2,
              noNullPrototype: true,
            }),
          )
          .map(([known, extra]) => ({ ...extra, ...known }));
      }
      return record;
    }
    default:
      return fc.constant(null);
  }
}

const WRONG_TYPES: unknown[] = [null, true, 0, -1, 1.5, '', 'x', [], {}, '1', 'null', 2 ** 53, -(2 ** 63)];

/** One change to a value that makes it (most likely) invalid for `schema`, chosen by `choice`. */
function breakValue(schemas: SpecSchemas, input: Schema | undefined, value: unknown, choice: number, path: number): unknown {
  const schema = schemas.resolve(input);
  const types = typesOf(schema);
  // Go one level down sometimes, into a property or item.
  if (value && typeof value === 'object' && !Array.isArray(value) && path % 3 !== 0) {
    const keys = Object.keys(value);
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    if (keys.length > 0) {
      const key = keys[path % keys.length]!;
      return { ...value, [key]: breakValue(schemas, properties[key] ?? {}, (value as Record<string, unknown>)[key], choice, Math.floor(path / 3)) };
    }
  }
  if (Array.isArray(value) && value.length > 0 && path % 3 === 1) {
    const copy = [...value];
    copy[path % copy.length] = breakValue(schemas, schema.items, copy[path % copy.length], choice, Math.floor(path / 3));
    return copy;
  }
  switch (choice % 9) {
    case 0:
      return WRONG_TYPES[path % WRONG_TYPES.length];
    case 1:
      if (types.includes('integer') || types.includes('number')) {
        const options = [(schema.maximum ?? 1e15) + 1, (schema.minimum ?? 0) - 1, 2 ** 53 + 2, 1e308, -0.5, 0.1, Number.MAX_SAFE_INTEGER];
        return options[path % options.length];
      }
      return `${typeof value === 'string' ? value : ''}${'é'.repeat(3)}`;
    case 2:
      if (types.includes('string') || typeof value === 'string') {
        const lengths = [(schema.maxLength ?? 255) + 1, 10_000, 70_000];
        return 'a'.repeat(lengths[path % lengths.length]);
      }
      return JSON.stringify(value) ?? 'undefined';
    case 3:
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        const required = (schema.required ?? []) as string[];
        const copy = { ...(value as Record<string, unknown>) };
        const target = required[path % Math.max(required.length, 1)] ?? Object.keys(copy)[0];
        if (target) delete copy[target];
        return copy;
      }
      return undefined;
    case 4:
      if (value && typeof value === 'object' && !Array.isArray(value)) return { ...value, ['unknown_field_' + (path % 5)]: path % 2 ? 'x' : { nested: [1] } };
      return [value];
    case 5:
      return ['../../etc/passwd', '\u0000', '%00', '<script>', "' OR 1=1 --", '\ud800', 'key_', 'acc_!!', '   '][path % 9];
    case 6:
      return Array.from({ length: 50 + (path % 200) }, () => value);
    case 7:
      return typeof value === 'number' ? String(value) : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : { value };
    default:
      return null;
  }
}

/** Values that are one step away from valid. */
export function nearMiss(schemas: SpecSchemas, schema: Schema | undefined): fc.Arbitrary<unknown> {
  return fc.tuple(validValue(schemas, schema), fc.nat(), fc.nat()).map(([value, choice, path]) => breakValue(schemas, schema, value, choice, path));
}
