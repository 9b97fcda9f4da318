/**
 * Request validation from the spec's schemas. Two Ajv instances: bodies are checked
 * strictly (no type coercion, unknown fields refused where the spec says
 * `additionalProperties: false`, nothing silently removed), while path, query and
 * header parameters arrive as strings and are coerced to the spec's types.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

function createAjv(coerceTypes: boolean | 'array') {
  const ajv = new Ajv({
    coerceTypes,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
    // OpenAPI 3.1 annotations that are not JSON Schema keywords.
    keywords: ['example', 'x-fastify-config'],
  });
  addFormats(ajv);
  return ajv;
}

const bodyAjv = createAjv(false);
const parameterAjv = createAjv('array');

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : parameterAjv;
  return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
};
