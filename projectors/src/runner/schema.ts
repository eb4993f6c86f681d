export const projectorSchema = /* sql */ `
CREATE TABLE IF NOT EXISTS projection_checkpoints (
  name       text PRIMARY KEY,
  position   text COLLATE "C" NOT NULL DEFAULT '',
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS projection_targets (
  projection text PRIMARY KEY,
  target     text NOT NULL,
  swapped_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS projection_parked (
  projection text NOT NULL,
  event_id   uuid NOT NULL,
  position   text COLLATE "C" NOT NULL,
  event      jsonb NOT NULL,
  error      text NOT NULL,
  parked_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (projection, event_id)
);
`;
