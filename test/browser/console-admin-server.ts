/**
 * The console test server with an admin besides the console's users: only an admin may
 * erase a visitor (DELETE /agent/v1/admin/visitors/:visitorId), which the tests of an erased
 * chat's panel need.
 */
import { request, TestServer } from '../protocol/harness.js';
import { CONSOLE_INDEX, consoleConfig } from './console-server.js';

export const ADMIN = { id: '005000000000019', name: 'Ada Admin', username: 'ada', password: 'ada-password' };

/** The parts of the console test config a test edits. */
export interface ConsoleConfig { orgs: { agents: object[]; deployments: { buttons: { id: string; offlineMessages?: boolean }[] }[] }[] }

export class AdminConsoleTestServer extends TestServer {
  /**
   * @param settings overrides of the config's `settings`; @param org more fields of the org,
   * read when the server starts (so they can name a port opened after this is made: a webhook's receiver);
   * @param edit changes the config further (a button's options).
   */
  constructor(settings: Record<string, unknown> = {}, org: () => Record<string, unknown> = () => ({}), edit: (config: ConsoleConfig) => void = () => undefined) {
    super({ pollHoldSeconds: 1 }, {
      config: () => {
        const config = consoleConfig(settings, org()) as ConsoleConfig;
        config.orgs[0]!.agents.push({ ...ADMIN, password: `plain:${ADMIN.password}`, role: 'admin', skills: [], capacity: 0 });
        edit(config);
        return config;
      },
      requires: [[CONSOLE_INDEX, 'npx vite build --config console/vite.config.ts']],
    });
  }

  /** A user's access token. */
  async tokenOf(user: { username: string; password: string }): Promise<string> {
    const res = await request(this.baseUrl, 'POST', '/agent/v1/auth/login', { body: { username: user.username, password: user.password } });
    return (res.json as { accessToken: string }).accessToken;
  }

  /** Erases a visitor whose chats ended (the store may take a moment to close the session: tried until one chat is gone). */
  async eraseVisitor(visitorId: string): Promise<void> {
    const admin = await this.tokenOf(ADMIN);
    for (let i = 0; i < 100; i++) {
      const res = await request(this.baseUrl, 'DELETE', `/agent/v1/admin/visitors/${encodeURIComponent(visitorId)}`, { headers: { Authorization: `Bearer ${admin}` } });
      if ((res.json as { deletedChats?: number }).deletedChats === 1) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`visitor ${visitorId} was not erased`);
  }
}
