import type { Pool, PoolClient } from 'pg';

/**
 * Runs `work` on one pooled connection between BEGIN and COMMIT. Any error rolls the whole
 * transaction back and rejects, so a caller never sees half of its writes stored.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // The pool listens for errors only on idle connections. One that breaks between two statements of
  // this transaction would otherwise raise an unhandled 'error' event; the next statement fails anyway.
  client.on('error', ignoreBrokenConnection);
  let unusable: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      unusable = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.off('error', ignoreBrokenConnection);
    // Released with an error, the connection is closed instead of going back to the pool in an unknown state.
    client.release(unusable);
  }
}

function ignoreBrokenConnection(): void {}
