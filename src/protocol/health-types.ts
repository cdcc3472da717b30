/**
 * Wire types of the probes, `GET /healthz` and `GET /readyz`, one TypeBox schema
 * each: plain-text bodies (`text/plain`), so each schema is the exact set of
 * texts a probe can get. A probe (a load balancer's, Kubernetes') goes by the
 * status; the text says why, and scripts match on it.
 */
import Type, { type Static } from 'typebox';

/** `GET /healthz` 200: the process serves (a standby too, ADR 0048). */
export const HealthzAnswer = Type.Literal('ok', { description: 'The process serves: 200 with this text, on any node (a standby too).' });
export type HealthzAnswer = Static<typeof HealthzAnswer>;

/** `GET /readyz` 200: this node takes traffic. */
export const ReadyzAnswer = Type.Literal('ready', { description: 'The store answers and takes writes, and this node holds it: 200 with this text.' });
export type ReadyzAnswer = Static<typeof ReadyzAnswer>;

/** `GET /readyz` 503: why this node takes no traffic now, one reason (the first that holds, in this order). */
export const NotReadyAnswer = Type.Union([
  Type.Literal('store not answering', { description: 'The store did not answer within storage.readyTimeoutSeconds.' }),
  Type.Literal('store unavailable', { description: 'The store answered its ping with an error.' }),
  Type.Literal('store refuses writes', { description: 'A failed group commit waits to be written again (ADR 0016).' }),
  Type.Literal('store write stuck', { description: 'A group commit has waited longer than storage.writeStuckSeconds (ADR 0042).' }),
  Type.Literal('store write slow', { description: 'A group commit that took longer than storage.writeStuckSeconds ended less than that long ago (ADR 0042).' }),
  Type.Literal('node lock lost', { description: 'A PostgreSQL node is taking its node lock again (ADR 0017).' }),
  Type.Literal('WAL checkpoints stopped', { description: "SQLite's checkpointer thread crashed too often and is not restarted." }),
  Type.Literal('standby', { description: 'A standby waiting for the store (storage.standby, ADR 0048).' }),
], { description: 'Not ready: 503 with one of these texts.' });
export type NotReadyAnswer = Static<typeof NotReadyAnswer>;
