import type { FastifySchemaCompiler } from 'fastify';
import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';

/**
 * Request validation with TypeBox: no coercion, no silent removal of unknown fields, no defaults
 * injected. A failure carries the JSON pointer of the first bad field so the error names it.
 */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema }) => {
  const validator = Compile(schema);
  return (data: unknown) => {
    if (validator.Check(data)) return { value: data };
    const first = validator.Errors(data)[0];
    const err = new Error(first ? first.message : 'invalid request') as Error & { validation: unknown; field: string };
    const extra = first && (first.params as { additionalProperties?: string[] } | undefined)?.additionalProperties;
    const path = first?.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : '';
    err.field = extra?.length ? (path ? `${path}.${extra[0]}` : extra[0]) : path;
    err.message = extra?.length ? `unknown field "${err.field}"` : `${err.field || 'body'}: ${first?.message ?? 'invalid'}`;
    err.validation = [first];
    return { error: err };
  };
};
