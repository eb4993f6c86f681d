import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import './provided-context.ts';

/** A fresh, empty database on the run's PostgreSQL server, for one test file. */
export const testDatabaseUrl = async (): Promise<string> => {
  const adminUrl = inject('pgAdminUrl');
  const name = `stayhub_t_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
};
