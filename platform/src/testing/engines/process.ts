import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A started server: where it answers, how long it took, and how to stop it. */
export type Engine = { name: string; env: Record<string, string>; startedInMs: number; stop(): Promise<void> };

/** A TCP port nothing listens on now (the kernel's choice), for one server of this run. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `ready` until it answers true; fails with the server's log tail if `child` exits or time runs out. */
export const waitUntil = async (what: string, ready: () => Promise<boolean>, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) while starting:\n${tail(logFile)}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${what} did not answer within ${timeoutMs / 1000} s:\n${tail(logFile)}`);
    }
    await sleep(500);
  }
};

const tail = (file: string): string => {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
};

/** Starts `command` detached from the test runner's terminal, its output in `logFile`. */
export const startProcess = (command: string, args: string[], logFile: string, cwd?: string): ChildProcess => {
  const out = openSync(logFile, 'a');
  return spawn(command, args, { stdio: ['ignore', out, out], cwd });
};

/** Stops a server: SIGTERM, then SIGKILL after `graceMs`. */
export const stopProcess = async (child: ChildProcess, graceMs = 10_000): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
};

export const commandExists = async (command: string): Promise<boolean> =>
  run('sh', ['-c', `command -v ${command}`]).then(
    () => true,
    () => false,
  );

/** Where resolved server jars live: outside the repository, shared by every clone on the machine. */
const engineCache = (): string => process.env.STAYHUB_ENGINE_CACHE ?? join(homedir(), '.cache', 'stayhub-engines');

/**
 * The jars of `artifacts` (group:artifact:version) and all their runtime dependencies, resolved by
 * Maven into `<cache>/<name>/libs` once. Concurrent runs resolve aside and rename into place.
 */
export const mavenLibs = async (name: string, artifacts: string[]): Promise<string> => {
  const home = join(engineCache(), name);
  const libs = join(home, 'libs');
  if (existsSync(join(libs, '.complete'))) return libs;
  if (!(await commandExists('mvn')) || !(await commandExists('java'))) throw new Error(`${name}: needs java (17) and mvn on PATH to resolve its jars`);
  const work = join(home, `resolve-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const dependencies = artifacts
    .map((coordinates) => coordinates.split(':'))
    .map(
      ([group, artifact, version]) => `<dependency><groupId>${group}</groupId><artifactId>${artifact}</artifactId><version>${version}</version></dependency>`,
    )
    .join('');
  writeFileSync(
    join(work, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion><groupId>stayhub.engines</groupId><artifactId>${name}</artifactId><version>1</version><packaging>pom</packaging><dependencies>${dependencies}</dependencies></project>`,
  );
  try {
    await run('mvn', ['-q', '-B', 'dependency:copy-dependencies', '-DincludeScope=runtime', '-DoutputDirectory=libs'], { cwd: work, maxBuffer: 16 << 20 });
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw new Error(`${name}: Maven could not resolve ${artifacts.join(', ')}: ${(error as { stdout?: string }).stdout?.slice(-2000) ?? String(error)}`);
  }
  writeFileSync(join(work, 'libs', '.complete'), new Date().toISOString());
  try {
    renameSync(join(work, 'libs'), libs);
  } catch {
    // another run got there first; its jars are the same
  }
  rmSync(work, { recursive: true, force: true });
  return libs;
};
