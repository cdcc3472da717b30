/**
 * The SDK names a cluster node's 421 (ADR 0066): `code` MISDIRECTED_REQUEST, and `servedBy`
 * the shard and URL to go to, so that an app can point its client there.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, SwitchboardHttpError } from '../../packages/sdk/src/index.js';
import { MemoryChatStore } from '../../src/adapters/memory/memory-chat-store.js';
import { twoShardConfig } from '../../src/config/cluster-config.test-support.js';
import { validateConfig } from '../../src/config/load-config.js';
import { createSwitchboard, type Switchboard } from '../../src/main.js';

const B_URL = 'https://la-b.example.com';

describe('a 421 of a cluster node, through the SDK', () => {
  let sb: Switchboard;
  let baseUrl: string;
  beforeAll(async () => {
    const raw = { ...twoShardConfig('postgres://postgres@127.0.0.1:5432/test', 'a', { b: B_URL }), server: { host: '127.0.0.1', port: 0 } };
    sb = await createSwitchboard(validateConfig(raw, 'test'), { store: new MemoryChatStore(), logger: pino({ level: 'silent' }) });
    baseUrl = await sb.listen();
  });
  afterAll(() => sb.stop());

  it('is MISDIRECTED_REQUEST, servedBy shard b at its URL; a wrong password is 401 with no shard named', async () => {
    const refused = await new AgentClient({ baseUrl }).login('agent2', 'agent-demo').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(SwitchboardHttpError);
    const err = refused as SwitchboardHttpError;
    expect([err.status, err.code, err.servedBy]).toEqual([421, 'MISDIRECTED_REQUEST', { shard: 'b', url: B_URL }]);
    const wrong = (await new AgentClient({ baseUrl }).login('agent2', 'nope').catch((e: unknown) => e)) as SwitchboardHttpError;
    expect([wrong.status, wrong.code, wrong.servedBy]).toEqual([401, 'UNAUTHENTICATED', undefined]);
  });
});
