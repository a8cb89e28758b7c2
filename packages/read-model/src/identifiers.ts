import { ReadModelError } from './errors.ts';

const identifier = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Checks that a name is a plain lower-case SQL identifier (schema, table, view, role), so
 * that it can be spliced into DDL safely; returns it unchanged.
 *
 * @example
 * sql.raw(`CREATE SCHEMA ${safeIdentifier('kpi_v2')}`);
 */
export const safeIdentifier = (name: string): string => {
  if (!identifier.test(name)) {
    throw new ReadModelError('invalid_identifier', `"${name}" is not a plain lower-case SQL identifier`, { name });
  }
  return name;
};

/**
 * The PostgreSQL schema holding the tables of one projection version.
 *
 * @example
 * projectionSchema('kpi', 2); // 'kpi_v2'
 */
export const projectionSchema = (name: string, version: number): string => {
  if (!Number.isInteger(version) || version < 1) {
    throw new ReadModelError('invalid_identifier', `projection version must be a positive integer, got ${String(version)}`);
  }
  return safeIdentifier(`${name}_v${version}`);
};
