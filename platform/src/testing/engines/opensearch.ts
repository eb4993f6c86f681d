import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, mavenLibs, startProcess, stopProcess, waitUntil, type Engine } from './process.ts';

/** The search server the tests run (Elasticsearch's server is not on Maven Central); compose deploys the same. */
export const OPENSEARCH_VERSION = '2.19.6';

const launcher = join(dirname(fileURLToPath(import.meta.url)), 'OpenSearchNode.java');

/**
 * A single OpenSearch node (512 MiB heap) from `org.opensearch:opensearch` and its HTTP and analysis
 * modules, resolved by Maven, started by `OpenSearchNode.java` (Java's source launcher, so a JDK).
 */
export const startOpenSearch = async (dir: string): Promise<Engine> => {
  const libs = await mavenLibs(`opensearch-${OPENSEARCH_VERSION}`, [
    `org.opensearch:opensearch:${OPENSEARCH_VERSION}`,
    `org.opensearch.plugin:transport-netty4-client:${OPENSEARCH_VERSION}`,
    `org.opensearch.plugin:analysis-common:${OPENSEARCH_VERSION}`,
    'org.apache.logging.log4j:log4j-core:2.25.4',
  ]);
  const began = Date.now();
  mkdirSync(join(dir, 'config'), { recursive: true });
  const [httpPort, transportPort] = [await freePort(), await freePort()];
  const log = join(dir, 'opensearch.log');
  const child = startProcess(
    'java',
    [
      '-Xms512m',
      '-Xmx512m',
      '-XX:+UseSerialGC',
      '-Djava.awt.headless=true',
      '-Dlog4j2.level=WARN',
      '-cp',
      `${libs}/*`,
      launcher,
      dir,
      String(httpPort),
      String(transportPort),
    ],
    log,
  );
  const url = `http://127.0.0.1:${httpPort}`;
  const healthy = async () => {
    const response = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`, { signal: AbortSignal.timeout(3_000) });
    return response.ok;
  };
  await waitUntil(`OpenSearch ${OPENSEARCH_VERSION}`, healthy, child, log, 240_000);
  return {
    name: 'opensearch',
    env: { ELASTICSEARCH_URL: url, ELASTICSEARCH_FLAVOR: 'opensearch' },
    startedInMs: Date.now() - began,
    stop: () => stopProcess(child, 5_000), // its data is thrown away
  };
};
