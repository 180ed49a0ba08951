/*
 * The catalog's database layer: open, migrate, and one repository per table. Only the catalog
 * service imports this; everyone else asks the catalog over NATS.
 */
export * from "./catalog-schema.ts";
export { CATALOG_ERROR_CODES, type CatalogErrorCode } from "./errors.ts";
export * from "./events-repository.ts";
export * from "./files-repository.ts";
export * from "./folders-repository.ts";
export * from "./jobs-repository.ts";
export { CATALOG_MIGRATION_NAMES, migrateCatalog } from "./migrate-catalog.ts";
export {
  type CatalogDatabase,
  type CatalogDialect,
  openCatalogDatabase,
  openPGliteCatalogDatabase,
  openPostgresCatalogDatabase,
  type PGliteCatalogDatabase,
  redactDatabaseUrl,
} from "./open-catalog-database.ts";
export { inBackground, isBackgroundWork } from "./prioritised-dialect.ts";
export { inTransaction, isUniqueViolation } from "./sql-helpers.ts";
export * from "./tapes-repository.ts";
