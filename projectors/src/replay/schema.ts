/** One row per rebuild: a rerun resumes the row still `building` or `built` (not swapped in yet). */
export const rebuildSchema = /* sql */ `
CREATE TABLE IF NOT EXISTS projection_rebuilds (
  target        text PRIMARY KEY,
  projection    text NOT NULL,
  from_position text COLLATE "C" NOT NULL DEFAULT '',
  status        text NOT NULL DEFAULT 'building' CHECK (status IN ('building', 'built', 'swapped', 'abandoned', 'dropped')),
  started_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  swapped_at    timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS projection_rebuilds_open ON projection_rebuilds (projection) WHERE status IN ('building', 'built');
`;

export { RETIRED } from '@stayhub/read-models';
