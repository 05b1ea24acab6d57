import { traced, type CallDescription } from '../core/tracing';
import type { Guard } from './prepared';
import type { Orm } from './session';

/**
 * Database spans, installed only when tracing is on. Each query of a traced
 * request gets a client span named like `SELECT users`, with the statement's
 * text as our code wrote it: placeholders (`$1` for prepared statements, `?`
 * for MikroORM), never a value. Knex's query events are no use here: MikroORM
 * inlines the values into the text it hands to knex.
 */
export function traceStatements(guard: Guard): Guard {
  return (call, statement) =>
    traced(
      () => describeQuery(statement.sql),
      () => guard(call, statement),
    );
}

/**
 * Every call through MikroORM's connection (queries, and each transaction's
 * BEGIN, COMMIT and ROLLBACK), wrapped around the circuit breaker's wrapper,
 * so a span also covers the wait for a pooled connection and a refusal by an
 * open breaker.
 */
export function traceQueries(orm: Orm): void {
  const connection = orm.em.getConnection();
  const { execute, begin, commit, rollback } = connection;
  connection.execute = ((...args: Parameters<typeof execute>) => {
    const [query] = args;
    // MikroORM sends its own queries as text; a knex builder (virtual entities, collections) is asked for its text.
    const describe = () => describeQuery(typeof query === 'string' ? query : query.toSQL().sql);
    return traced(describe, () => execute.apply(connection, args));
  }) as typeof execute;
  connection.begin = (...args) => traced(transaction('BEGIN'), () => begin.apply(connection, args));
  connection.commit = (...args) => traced(transaction('COMMIT'), () => commit.apply(connection, args));
  connection.rollback = (...args) => traced(transaction('ROLLBACK'), () => rollback.apply(connection, args));
}

const transaction = (operation: string) => (): CallDescription => ({
  name: operation,
  attributes: { 'db.system.name': 'postgresql', 'db.operation.name': operation },
});

const OPERATION = /^\s*(\w+)/;
const TABLE = /\b(?:from|join|into|update)\s+"?([A-Za-z_]\w*)"?/gi;
/** Described statements by their text: the set is small (ours, and MikroORM's per entity and shape). */
const described = new Map<string, CallDescription>();
const DESCRIBED_MAX = 500;

/** The span of a statement: its first keyword and the tables it names, e.g. `SELECT sessions users`. */
export function describeQuery(sql: string): CallDescription {
  let description = described.get(sql);
  if (description) return description;
  const operation = (OPERATION.exec(sql)?.[1] ?? 'query').toUpperCase();
  const tables = [...new Set(Array.from(sql.matchAll(TABLE), (m) => m[1]!))];
  const name = tables.length ? `${operation} ${tables.join(' ')}` : operation;
  description = {
    name,
    attributes: {
      'db.system.name': 'postgresql',
      'db.operation.name': operation,
      'db.query.summary': name,
      'db.query.text': sql,
      ...(tables.length === 1 ? { 'db.collection.name': tables[0]! } : {}),
    },
  };
  if (described.size >= DESCRIBED_MAX) described.clear();
  described.set(sql, description);
  return description;
}
