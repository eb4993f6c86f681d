import { Client } from '@elastic/elasticsearch';
import { Transport, type TransportOptions } from '@elastic/transport';

/** Which server answers at `ELASTICSEARCH_URL`: Elasticsearch (9.x, as the client) or OpenSearch (2.x). */
export type SearchFlavor = 'elasticsearch' | 'opensearch';

/**
 * The Elasticsearch 9 client speaking plain JSON without the product check: OpenSearch answers the
 * same REST calls the adapter makes, but refuses the client's versioned media type
 * (`application/vnd.elasticsearch+json; compatible-with=9`) and sends no `X-Elastic-Product` header.
 */
class OpenSearchTransport extends Transport {
  constructor(options: TransportOptions) {
    const { vendoredHeaders: _vendored, productCheck: _product, ...rest } = options;
    super(rest);
  }
}

/** A search client for `url`, configured for the server `flavor` names. */
export const searchClient = (url: string, flavor: SearchFlavor = 'elasticsearch'): Client =>
  flavor === 'opensearch' ? new Client({ node: url, Transport: OpenSearchTransport }) : new Client({ node: url });
