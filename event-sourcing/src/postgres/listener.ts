import type { Notification, Pool, PoolClient } from 'pg';

export type ListenerHandlers = {
  onNotification: (message: Notification) => void;
  /**
   * The connection broke. Returns whether it was still the caller's listener (the caller forgets it
   * and listens again on its next wait); only then does it go back to the pool to be discarded.
   */
  onLost: (client: PoolClient) => boolean;
};

/** A pooled connection that LISTENs on `channel`, handing each notification on; resolves once the LISTEN is in place. */
export const listenOn = async (pool: Pool, channel: string, handlers: ListenerHandlers): Promise<PoolClient> => {
  const client = await pool.connect();
  client.on('notification', handlers.onNotification);
  client.on('error', (error) => {
    if (handlers.onLost(client)) client.release(error);
  });
  try {
    await client.query(`LISTEN ${channel}`);
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
  return client;
};
