/**
 * Geo data reaches the visitor's ChatRequestSuccess and the agent's chat details
 * only when the deployment trusts its proxy's geo headers.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { DEMO_IDS, demoOrg } from '../../config/demo-deployment.js';
import { validateConfig } from '../../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../../main.js';

let sb: Switchboard | undefined;
afterEach(async () => { await sb?.stop(); sb = undefined; });

async function chatWithGeo(trustGeoHeaders: boolean): Promise<{ success: Record<string, unknown>; details: Record<string, unknown> }> {
  const config = validateConfig({ storage: { kind: 'memory' }, settings: { trustGeoHeaders, pollHoldSeconds: 1 }, orgs: [structuredClone(demoOrg)] }, 'test');
  sb = await createSwitchboard(config, { store: new MemoryChatStore(), logger: pino({ level: 'silent' }) });
  const v = { 'x-liveagent-api-version': '34' };
  const session = (await sb.app.inject({ method: 'GET', url: '/chat/rest/System/SessionId', headers: v })).json<{ key: string; id: string; affinityToken: string }>();
  const h = { ...v, 'x-liveagent-session-key': session.key, 'x-liveagent-affinity': session.affinityToken };
  const init = await sb.app.inject({
    method: 'POST', url: '/chat/rest/Chasitor/ChasitorInit',
    headers: { ...h, 'cf-ipcountry': 'DE', 'x-geo-city': 'Berlin' },
    payload: JSON.stringify({ organizationId: DEMO_IDS.organizationId, deploymentId: DEMO_IDS.deploymentId, buttonId: DEMO_IDS.botButtonId }),
  });
  expect(init.body).toBe('OK');
  const poll = (await sb.app.inject({ method: 'GET', url: '/chat/rest/System/Messages', headers: h })).json<{ messages: { type: string; message: Record<string, unknown> }[] }>();
  expect(poll.messages[0]!.type).toBe('ChatRequestSuccess');
  const token = sb.users.serviceToken(DEMO_IDS.botAgentId);
  const details = (await sb.app.inject({ method: 'GET', url: `/agent/v1/chats/${session.id}`, headers: { authorization: `Bearer ${token}` } })).json<Record<string, unknown>>();
  return { success: poll.messages[0]!.message, details };
}

describe('geo location from proxy headers', () => {
  it('is sent to the visitor and shown to the agent when the proxy is trusted', async () => {
    const { success, details } = await chatWithGeo(true);
    expect(success.geoLocation).toEqual({ countryCode: 'DE', countryName: 'Germany', city: 'Berlin' });
    expect((details.visitor as { geoLocation: unknown }).geoLocation).toEqual({ countryCode: 'DE', countryName: 'Germany', city: 'Berlin' });
  });

  it('is ignored by default, since a client could forge the headers', async () => {
    const { success, details } = await chatWithGeo(false);
    expect(success.geoLocation).toBeUndefined();
    expect((details.visitor as { geoLocation: unknown }).geoLocation).toBeNull();
  });
});
