import { openTransaction, type Database, type Orm } from './session';

/** A statement prepared once per connection under its name, then only bound and executed. */
export interface Statement {
  readonly name: string;
  /** SQL with `$1`, `$2`, … where the values go. */
  readonly sql: string;
}

/** The database guard every call goes through (the circuit breaker, and a span when tracing is on), or none. */
export type Guard = <T>(call: () => Promise<T>, statement: Statement) => Promise<T>;

/**
 * The hot reads (the session check of every authenticated request, the login
 * lookup, the admin listing) as plain parameterised SQL on the connections of
 * MikroORM's pool. MikroORM would build each query anew, inline its values
 * into the text (so the server parses and plans every one) and hydrate
 * entities no request keeps; this sends a named statement that each pooled
 * connection prepares once, with its values bound apart from the text, and
 * returns plain rows. The values never
 * appear in the SQL text, so no error message can carry them into a log.
 * It runs in the current unit of work's transaction when there is one (a
 * second connection would wait on that transaction's locks, and the embedded
 * database serves one connection at a time).
 */
export class PreparedStatements {
  private readonly orm: Orm;
  /**
   * Off for the embedded database: every connection to it is the one same
   * PostgreSQL session, where a name prepared by one connection is taken for
   * the next. Unnamed, a statement is still parameterised; it is only parsed each time.
   */
  private readonly named: boolean;

  constructor(
    database: Pick<Database, 'orm' | 'embedded'>,
    private readonly guard: Guard = (call) => call(),
  ) {
    this.orm = database.orm;
    this.named = !database.embedded;
  }

  async rows<Row>(statement: Statement, values: readonly unknown[]): Promise<Row[]> {
    const query = { text: statement.sql, values, ...(this.named ? { name: statement.name } : {}) };
    const result = await this.guard(() => this.onConnection((connection) => connection.query(query)), statement);
    const timestamps = result.fields.filter((f) => f.dataTypeID === TIMESTAMPTZ).map((f) => f.name);
    if (timestamps.length) {
      const platform = this.orm.em.getPlatform();
      for (const row of result.rows) {
        for (const name of timestamps) if (row[name] !== null) row[name] = platform.parseDate(row[name] as string);
      }
    }
    return result.rows as Row[];
  }

  /**
   * Straight to a pooled node-postgres connection, as knex's own runner would
   * take it (knex's query building has nothing to do for a fixed statement):
   * the open transaction's connection if there is one, else one from the pool.
   */
  private async onConnection<T>(use: (connection: PgConnection) => Promise<T>): Promise<T> {
    const transaction = openTransaction(this.orm);
    if (transaction?.isCompleted()) throw new Error('the unit of work used a transaction that has ended');
    const client = (transaction ?? this.orm.em.getKnex()).client as unknown as ConnectionSource;
    const connection = await client.acquireConnection();
    try {
      return await use(connection);
    } finally {
      await client.releaseConnection(connection);
    }
  }
}

/** knex's client: its pool, or a transaction's one connection. */
interface ConnectionSource {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<void>;
}

interface PgConnection {
  query(query: { text: string; values: readonly unknown[]; name?: string }): Promise<Result>;
}

/**
 * MikroORM's connection leaves timestamps as the server's text, for its own
 * hydration; rows from here get Dates, parsed as MikroORM parses them.
 */
const TIMESTAMPTZ = 1184;

interface Result {
  rows: Record<string, unknown>[];
  fields: { name: string; dataTypeID: number }[];
}
