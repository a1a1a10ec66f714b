import type { QueryConfig } from 'pg';

/**
 * A statement that every pooled connection parses and plans once, under its name, and afterwards
 * only binds and executes. For the statements run per message or per batch this is most of
 * PostgreSQL's work: a pull's plan costs several times its execution.
 *
 * A prepared statement names its columns instead of `*`: a migration that adds a column (applied by
 * a newer node while this one runs) would otherwise change its result type, which PostgreSQL
 * refuses for a prepared plan.
 */
export interface PreparedStatement {
  name: string;
  text: string;
}

const names = new Set<string>();

/** Names are per connection and process-wide, so each may be given to one text only. */
export function prepared(name: string, text: string): PreparedStatement {
  if (names.has(name)) throw new Error(`prepared statement ${name} is defined twice`);
  names.add(name);
  return { name, text };
}

export function withValues(statement: PreparedStatement, values: unknown[]): QueryConfig {
  return { ...statement, values };
}

/** The columns of a table's row type as a SELECT list, each under its own name, optionally from an alias. */
export function columnList<Row>(columns: Record<keyof Row, true>, alias?: string): string {
  return Object.keys(columns)
    .map((c) => (alias === undefined ? c : `${alias}.${c}`))
    .join(', ');
}
