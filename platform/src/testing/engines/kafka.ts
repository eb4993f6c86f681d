import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { freePort, mavenLibs, startProcess, stopProcess, waitUntil, type Engine } from './process.ts';

const run = promisify(execFile);

/** The broker the tests run; docker-compose.kafka.yml deploys the same version. */
export const KAFKA_VERSION = '4.1.1';

/**
 * A single-node KRaft Apache Kafka (broker and controller in one JVM, 512 MiB heap) from the
 * official jars, storage formatted afresh in `dir`, auto topic creation off as in production.
 */
export const startKafka = async (dir: string): Promise<Engine> => {
  const libs = await mavenLibs(`kafka-${KAFKA_VERSION}`, [
    `org.apache.kafka:kafka_2.13:${KAFKA_VERSION}`,
    `org.apache.kafka:kafka-server:${KAFKA_VERSION}`,
    `org.apache.kafka:kafka-storage:${KAFKA_VERSION}`,
  ]);
  const began = Date.now();
  mkdirSync(dir, { recursive: true });
  const [port, controllerPort] = [await freePort(), await freePort()];
  const properties = join(dir, 'server.properties');
  writeFileSync(
    properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${join(dir, 'data')}`,
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=6',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=false',
      'num.partitions=6',
    ].join('\n'),
  );
  const classpath = `${libs}/*`;
  const jvm = ['-Xms256m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true', '-cp', classpath];
  const { stdout: clusterId } = await run('java', [...jvm, 'kafka.tools.StorageTool', 'random-uuid']);
  await run('java', [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId.trim(), '-c', properties, '--standalone']);
  const log = join(dir, 'kafka.log');
  const child = startProcess('java', [...jvm, 'kafka.Kafka', properties], log);
  const brokers = `127.0.0.1:${port}`;
  const admin = new Kafka({ clientId: 'stayhub-test-setup', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  await waitUntil(
    `Kafka ${KAFKA_VERSION}`,
    async () => {
      await admin.connect();
      const { controller } = await admin.describeCluster();
      return controller === 1;
    },
    child,
    log,
    180_000,
  );
  await admin.disconnect();
  return { name: 'kafka', env: { KAFKA_BROKERS: brokers }, startedInMs: Date.now() - began, stop: () => stopProcess(child, 20_000) };
};
