/** Secrets kept out of the event store (and so out of every log, topic and read model it feeds). */
export const secretsSchema = /* sql */ `
CREATE TABLE IF NOT EXISTS credentials (
  user_id       text PRIMARY KEY,
  password_hash text NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
-- the card token of a booking or an order, keyed by its id (the payment record's reference)
CREATE TABLE IF NOT EXISTS payment_methods (
  reference      text PRIMARY KEY,
  payment_method text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS secret_moves (
  name     text PRIMARY KEY,
  moved_at timestamptz NOT NULL DEFAULT now()
);
`;
