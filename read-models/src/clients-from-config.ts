import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import cassandra from 'cassandra-driver';
import { listOf, type Config } from '@stayhub/platform-kit';
import type { Replication } from './cassandra.ts';
import { searchClient } from './listings/search-client.ts';

/** The alias search reads and the Elasticsearch projection moves between rebuilt indexes. */
const LISTINGS_ALIAS = 'stayhub-listings';
/** The alias product search reads (`SEARCH=elasticsearch`). */
const PRODUCTS_ALIAS = 'stayhub-products';

export type ReadStoreClientsConfig = Partial<
  Pick<Config, 'SEARCH' | 'ELASTICSEARCH_URL' | 'ELASTICSEARCH_FLAVOR' | 'HISTORY' | 'CASSANDRA_CONTACT_POINTS' | 'CASSANDRA_LOCAL_DC' | 'CASSANDRA_KEYSPACE'>
>;

export type ReadStoreClients = {
  /** The alias search reads (`LISTINGS_ALIAS`, or one per namespace). */
  listingsAlias: string;
  /** The alias product search reads (`PRODUCTS_ALIAS`, or one per namespace). */
  productsAlias: string;
  /** `SEARCH=elasticsearch`. */
  elasticsearch?: ElasticsearchClient;
  /** `HISTORY=cassandra`, with the keyspace and the replication a keyspace made by the projectors gets (one copy, for a single node: create it beforehand in production). */
  cassandra?: { client: cassandra.Client; keyspace: string; replication: Replication };
  close(): Promise<void>;
};

/**
 * Clients of the read stores the configuration selects; both connect lazily (run `checkReachable`
 * first for a clear start-up message). Nothing for the PostgreSQL defaults.
 */
export const readStoreClientsFromConfig = (config: ReadStoreClientsConfig, options: { namespace?: string } = {}): ReadStoreClients => {
  // A namespace keeps stacks that share one server apart (tests): its own alias and keyspace.
  const suffix = options.namespace ? `_${options.namespace.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}` : '';
  const elasticsearch =
    config.SEARCH === 'elasticsearch'
      ? searchClient(required(config.ELASTICSEARCH_URL, 'ELASTICSEARCH_URL', 'SEARCH=elasticsearch'), config.ELASTICSEARCH_FLAVOR)
      : undefined;
  const dataCenter = config.CASSANDRA_LOCAL_DC ?? 'datacenter1';
  const client =
    config.HISTORY === 'cassandra'
      ? new cassandra.Client({
          contactPoints: listOf(required(config.CASSANDRA_CONTACT_POINTS, 'CASSANDRA_CONTACT_POINTS', 'HISTORY=cassandra')),
          localDataCenter: dataCenter,
        })
      : undefined;
  return {
    listingsAlias: `${LISTINGS_ALIAS}${suffix.replace(/_/g, '-')}`,
    productsAlias: `${PRODUCTS_ALIAS}${suffix.replace(/_/g, '-')}`,
    ...(elasticsearch ? { elasticsearch } : {}),
    ...(client
      ? {
          cassandra: {
            client,
            keyspace: `${config.CASSANDRA_KEYSPACE ?? 'stayhub'}${suffix}`,
            replication: { class: 'NetworkTopologyStrategy', [dataCenter]: 1 },
          },
        }
      : {}),
    close: async () => {
      await elasticsearch?.close();
      await client?.shutdown();
    },
  };
};

const required = (value: string | undefined, variable: string, when: string): string => {
  if (!value) throw new Error(`${variable} is required when ${when}`);
  return value;
};
