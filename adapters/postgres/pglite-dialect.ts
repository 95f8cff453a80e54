import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/** Text parsers by Postgres type oid, as PGlite takes them. */
export type PgliteParsers = Readonly<Record<number, (text: string) => unknown>>;

/** The slice of `@electric-sql/pglite`'s `PGlite` this dialect calls. */
export interface PgliteLike {
  query<T>(
    sql: string,
    params?: unknown[],
    options?: { parsers?: PgliteParsers },
  ): Promise<{ rows: T[]; affectedRows?: number; command?: string }>;
  close(): Promise<void>;
}

export interface PgliteDialectConfig {
  readonly pglite: PgliteLike;
  /** Parsers applied to every query, over PGlite's own (e.g. int8 as text). */
  readonly parsers?: PgliteParsers;
  /** Whether destroying the Kysely instance closes the PGlite instance (false when it is shared). */
  readonly closeOnDestroy: boolean;
}

/** A kysely dialect over embedded PGlite: Postgres SQL, one serialised connection. */
export class PgliteDialect implements Dialect {
  readonly #config: PgliteDialectConfig;

  constructor(config: PgliteDialectConfig) {
    this.#config = config;
  }

  createDriver(): Driver {
    return new PgliteDriver(this.#config);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

/** A FIFO lock: `lock()` resolves to the function that releases it. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();

  async lock(): Promise<() => void> {
    const previous = this.#tail;
    let release = (): void => {};
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    return release;
  }
}

// PGlite is one Postgres backend: one session. A `begin` from one caller followed by another
// caller's statement would run inside the first caller's transaction, so every user of an instance
// (several Kysely instances may share one) takes the same lock for as long as it holds the
// connection: one statement, or a whole transaction.
const locks = new WeakMap<PgliteLike, Mutex>();

function lockOf(pglite: PgliteLike): Mutex {
  let mutex = locks.get(pglite);
  if (mutex === undefined) {
    mutex = new Mutex();
    locks.set(pglite, mutex);
  }
  return mutex;
}

class PgliteDriver implements Driver {
  readonly #config: PgliteDialectConfig;

  constructor(config: PgliteDialectConfig) {
    this.#config = config;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await lockOf(this.#config.pglite).lock();
    return new PgliteConnection(this.#config.pglite, this.#config.parsers, release);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let text = 'begin';
    if (settings.isolationLevel !== undefined) text += ` isolation level ${settings.isolationLevel}`;
    if (settings.accessMode !== undefined) text += ` ${settings.accessMode}`;
    await connection.executeQuery(CompiledQuery.raw(text));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    if (!(connection instanceof PgliteConnection)) throw new Error('not a PGlite connection');
    connection.release();
    return Promise.resolve();
  }

  async destroy(): Promise<void> {
    if (this.#config.closeOnDestroy) await this.#config.pglite.close();
  }
}

const COUNTED_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

class PgliteConnection implements DatabaseConnection {
  readonly #pglite: PgliteLike;
  readonly #options: { parsers?: PgliteParsers };
  #release: (() => void) | null;

  constructor(pglite: PgliteLike, parsers: PgliteParsers | undefined, release: () => void) {
    this.#pglite = pglite;
    this.#options = parsers === undefined ? {} : { parsers };
    this.#release = release;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#release === null) throw new Error('PGlite connection used after release');
    const result = await this.#pglite.query<R>(compiledQuery.sql, [...compiledQuery.parameters], this.#options);
    const counted = result.command !== undefined && COUNTED_COMMANDS.has(result.command);
    return counted ? { rows: result.rows, numAffectedRows: BigInt(result.affectedRows ?? 0) } : { rows: result.rows };
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('the PGlite dialect does not support streaming queries (kysely .stream())');
  }

  release(): void {
    const release = this.#release;
    this.#release = null;
    release?.();
  }
}
