import { mkdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { freePort, mavenLibs, startProcess, stopProcess, waitUntil, type Engine } from './process.ts';

/** The server the tests run; docker-compose.kafka.yml deploys the same version. */
export const CASSANDRA_VERSION = '5.0.5';

/** What Cassandra's own jvm17-server.options opens for it on Java 17. */
const JAVA17_OPENS = [
  ...[
    'java.base/jdk.internal.misc',
    'java.base/jdk.internal.ref',
    'java.base/sun.nio.ch',
    'java.management.rmi/com.sun.jmx.remote.internal.rmi',
    'java.rmi/sun.rmi.registry',
    'java.rmi/sun.rmi.server',
    'java.sql/java.sql',
  ].map((pkg) => `--add-exports=${pkg}=ALL-UNNAMED`),
  ...[
    'java.base/java.lang.module',
    'java.base/jdk.internal.loader',
    'java.base/jdk.internal.ref',
    'java.base/jdk.internal.reflect',
    'java.base/jdk.internal.math',
    'java.base/jdk.internal.module',
    'java.base/jdk.internal.util.jar',
    'jdk.management/com.sun.management.internal',
    'java.base/sun.nio.ch',
    'java.base/java.io',
    'java.base/java.nio',
    'java.base/java.util.concurrent',
    'java.base/java.util',
    'java.base/java.util.concurrent.atomic',
    'java.base/java.lang',
    'java.base/java.math',
    'java.base/java.lang.reflect',
    'java.base/java.net',
  ].map((pkg) => `--add-opens=${pkg}=ALL-UNNAMED`),
];

const portAnswers = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/**
 * A single-node Apache Cassandra (512 MiB heap, one token, no JMX) from the official
 * `cassandra-all` jar and its dependencies, with a configuration written here, data in `dir`.
 */
export const startCassandra = async (dir: string): Promise<Engine> => {
  const libs = await mavenLibs(`cassandra-${CASSANDRA_VERSION}`, [`org.apache.cassandra:cassandra-all:${CASSANDRA_VERSION}`]);
  const began = Date.now();
  mkdirSync(dir, { recursive: true });
  const [nativePort, storagePort] = [await freePort(), await freePort()];
  const config = join(dir, 'cassandra.yaml');
  writeFileSync(
    config,
    [
      'cluster_name: stayhub-test',
      'num_tokens: 1',
      'partitioner: org.apache.cassandra.dht.Murmur3Partitioner',
      `data_file_directories: [${join(dir, 'data')}]`,
      `commitlog_directory: ${join(dir, 'commitlog')}`,
      `saved_caches_directory: ${join(dir, 'saved_caches')}`,
      `hints_directory: ${join(dir, 'hints')}`,
      `cdc_raw_directory: ${join(dir, 'cdc_raw')}`,
      'commitlog_sync: periodic',
      'commitlog_sync_period: 10000ms',
      'seed_provider:',
      '  - class_name: org.apache.cassandra.locator.SimpleSeedProvider',
      '    parameters:',
      '      - seeds: "127.0.0.1"',
      'listen_address: 127.0.0.1',
      'rpc_address: 127.0.0.1',
      `storage_port: ${storagePort}`,
      `native_transport_port: ${nativePort}`,
      'endpoint_snitch: SimpleSnitch',
      'start_native_transport: true',
      'concurrent_reads: 8',
      'concurrent_writes: 8',
      'concurrent_counter_writes: 8',
      'memtable_allocation_type: heap_buffers',
      'key_cache_size: 0MiB',
      'auto_snapshot: false',
      'disk_access_mode: mmap_index_only',
      'materialized_views_enabled: true',
      'sasi_indexes_enabled: true',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'logback.xml'),
    `<configuration><appender name="FILE" class="ch.qos.logback.core.FileAppender"><file>${join(dir, 'system.log')}</file><encoder><pattern>%d %-5level [%thread] %logger{20} %msg%n</pattern></encoder></appender><root level="INFO"><appender-ref ref="FILE"/></root></configuration>`,
  );
  const log = join(dir, 'cassandra.log');
  const child = startProcess(
    'java',
    [
      '-Xms512m',
      '-Xmx512m',
      '-Xss512k',
      '-XX:+UseSerialGC',
      '-Djava.net.preferIPv4Stack=true',
      '-Djdk.attach.allowAttachSelf=true',
      ...JAVA17_OPENS,
      `-Dcassandra.config=file://${config}`,
      `-Dcassandra.storagedir=${dir}`,
      `-Dcassandra.logdir=${dir}`,
      `-Dlogback.configurationFile=${join(dir, 'logback.xml')}`,
      '-Dcassandra-foreground=yes',
      '-Dcassandra.skip_wait_for_gossip_to_settle=0',
      '-Dcassandra.ring_delay_ms=0',
      '-Dcassandra.initial_token=0',
      '-cp',
      `${libs}/*`,
      'org.apache.cassandra.service.CassandraDaemon',
    ],
    log,
  );
  await waitUntil(`Cassandra ${CASSANDRA_VERSION}`, () => portAnswers(nativePort), child, log, 240_000);
  return {
    name: 'cassandra',
    env: { CASSANDRA_CONTACT_POINTS: `127.0.0.1:${nativePort}`, CASSANDRA_LOCAL_DC: 'datacenter1' },
    startedInMs: Date.now() - began,
    stop: () => stopProcess(child, 5_000), // its data is thrown away
  };
};
