import type pg from 'pg';

/** Runs `work` in a transaction on one pooled connection; rolls back if it throws. */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  // While checked out, the pool does not listen to the client: a connection the server cuts
  // between two queries (PostgreSQL stopping) would be an unhandled 'error' event, and crash
  // the process. Heard here, it marks the connection broken; the next query fails and rolls back.
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.off('error', onError);
    // A connection that broke or cannot even roll back is discarded, not returned to the pool.
    client.release(broken);
  }
}
