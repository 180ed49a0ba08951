import type { CustomTypesConfig } from "pg";
import pg from "pg";

/*
 * pg returns int8 as a string, PGlite as a number (or a bigint above 2^53). Both drivers get the
 * parser below so the catalog sees the same JS types whichever database runs underneath.
 */

const INT8_OID = 20;

/**
 * int8 text → number. Above 2^53 a number would silently lose digits, so such values come back as
 * `bigint` instead; throwing here would happen inside the driver's socket handler.
 */
export function parseInt8(text: string): number | bigint {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : BigInt(text);
}

/** For `new pg.Pool({ types })`: pg's own parsers, except int8. Leaves pg's global table alone. */
export const postgresTypes: CustomTypesConfig = {
  getTypeParser: (oid, format) =>
    oid === INT8_OID && format !== "binary" ? parseInt8 : pg.types.getTypeParser(oid, format),
};

/** For `PGlite.create({ parsers })`. */
export const pgliteParsers = { [INT8_OID]: parseInt8 } as const;
