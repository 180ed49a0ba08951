import { AsyncLocalStorage } from "node:async_hooks";
import type {
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  TransactionSettings,
} from "kysely";

/*
 * PGlite is one connection, and every statement runs synchronously on the catalog process's
 * event loop. Its kysely dialect hands the connection to waiters first come, first served, so a
 * `queue` asked while a read-back records 20,000 files waited behind every batch already queued
 * (seen: p99 1 s). Here the connection goes to interactive work first; work marked as background
 * (bulk file records and listings, planner statistics) takes it only once the event loop has
 * polled its sockets, so a request that arrived during a statement is read and goes before the
 * next background statement. Background work keeps each transaction short (files-repository.ts,
 * FILES_PER_TRANSACTION), so the wait it imposes stays short too.
 */

const background = new AsyncLocalStorage<true>();

/**
 * Runs `work` with its catalog queries in the background lane: they wait while any other query
 * waits for the embedded catalog's one connection. No effect on PostgreSQL (a pool of
 * connections).
 *
 * @example
 * await inBackground(() => recordArchivedFiles(db, request));
 */
export function inBackground<T>(work: () => Promise<T>): Promise<T> {
  return background.run(true, work);
}

/** True inside {@link inBackground}. */
export function isBackgroundWork(): boolean {
  return background.getStore() === true;
}

/** `dialect` whose one connection is shared out interactive work first (see above). */
export function prioritisedDialect(dialect: Dialect): Dialect {
  return {
    createAdapter: (): DialectAdapter => dialect.createAdapter(),
    createDriver: (): Driver => new PrioritisedDriver(dialect.createDriver()),
    createQueryCompiler: (): QueryCompiler => dialect.createQueryCompiler(),
    createIntrospector: (db: Kysely<unknown>): DatabaseIntrospector =>
      dialect.createIntrospector(db),
  };
}

type Waiter = () => void;

/**
 * Resolves once the event loop has passed its poll phase, where sockets are read. One
 * setImmediate is not enough: called from the poll phase, it runs before the next poll.
 */
function afterNextPoll(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/**
 * Lets one acquisition at a time through to `inner`. Interactive work takes a free connection at
 * once and, when it is held, goes before all background work waiting. Background work only ever
 * gets it from `#handOnInBackground`, after the event loop polled: PGlite answers without I/O, so
 * a run of background queries (or several batches handed on one to the next) would otherwise
 * run in one go without reading a single request.
 */
class PrioritisedDriver implements Driver {
  readonly #inner: Driver;
  #held = false;
  #handOnScheduled = false;
  readonly #interactive: Waiter[] = [];
  readonly #background: Waiter[] = [];

  constructor(inner: Driver) {
    this.#inner = inner;
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (isBackgroundWork()) {
      await new Promise<void>((resolve) => {
        this.#background.push(resolve);
        this.#scheduleHandOn();
      });
    } else if (this.#held) {
      await new Promise<void>((resolve) => this.#interactive.push(resolve));
    } else {
      this.#held = true;
    }
    try {
      return await this.#inner.acquireConnection();
    } catch (error) {
      // PGlite closed (a stop): hand on, so the others get this error too instead of waiting.
      this.#handOn();
      throw error;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await this.#inner.releaseConnection(connection);
    this.#handOn();
  }

  /** The connection is free: to the next interactive waiter, else background work later. */
  #handOn(): void {
    const interactive = this.#interactive.shift();
    if (interactive !== undefined) {
      interactive();
      return;
    }
    this.#held = false;
    if (this.#background.length > 0) this.#scheduleHandOn();
  }

  #scheduleHandOn(): void {
    if (this.#handOnScheduled) return;
    this.#handOnScheduled = true;
    void afterNextPoll().then(() => this.#handOnInBackground());
  }

  /** Gives a free connection to whoever waits, interactive work first. */
  #handOnInBackground(): void {
    this.#handOnScheduled = false;
    // Held: its release hands on to interactive work, or schedules this again.
    if (this.#held) return;
    const next = this.#interactive.shift() ?? this.#background.shift();
    if (next === undefined) return;
    this.#held = true;
    next();
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(connection);
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }
}
