/**
 * A visitor for the console tests: the protocol suite's scripted Visitor, with
 * one background Messages loop collecting everything the visitor receives so a
 * test can wait for a message while the browser does its part.
 */
import type { Page } from 'playwright-core';
import type { TestServer } from '../protocol/harness.js';
import { Visitor, type LaMessage } from '../protocol/visitor.js';
import { chat, setPresence } from './console-browser.js';
import { SUPPORT_BUTTON } from './console-server.js';

export class PollingVisitor {
  readonly v: Visitor;
  private running = false;
  private loop: Promise<void> | undefined;
  private failure: unknown;

  constructor(server: TestServer, readonly name: string) {
    this.v = new Visitor(server);
  }

  get received(): LaMessage[] {
    return this.v.received;
  }

  /** SessionId + ChasitorInit on the support button with pre-chat data, then polls in the background. */
  async request(prechat: { label: string; value: string; displayToAgent?: boolean }[] = []): Promise<void> {
    await this.v.createSession();
    const body = this.v.initBody(SUPPORT_BUTTON, {
      visitorName: this.name,
      prechatDetails: prechat.map((p) => ({ displayToAgent: true, ...p, transcriptFields: [], entityMaps: [] })),
    });
    const res = await this.v.init(body);
    if (res.status !== 200) throw new Error(`ChasitorInit ${res.status} ${res.text}`);
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          const r = await this.v.poll();
          if (r.status !== 200 && r.status !== 204) throw new Error(`Messages ${r.status} ${r.text}`);
          if (r.messages.some((m) => m.type === 'ChatEnded')) this.running = false;
        } catch (err) {
          this.failure = err;
          this.running = false;
        }
      }
    })();
  }

  /** Waits until a received message matches; fails fast when the poll loop broke. */
  async waitFor(what: string, match: (m: LaMessage) => boolean, timeoutMs = 15_000): Promise<LaMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(match);
      if (found) return found;
      if (this.failure) throw new Error(`visitor poll loop failed while waiting for ${what}: ${String(this.failure)}`);
      if (Date.now() > deadline) throw new Error(`visitor timed out waiting for ${what}; got ${JSON.stringify(this.received.map((m) => m.type))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  waitForType(type: string, timeoutMs?: number): Promise<LaMessage> {
    return this.waitFor(type, (m) => m.type === type, timeoutMs);
  }

  say(text: string): Promise<void> {
    return this.v.say(text);
  }

  async post(noun: string, body?: unknown): Promise<void> {
    const res = await this.v.post(noun, body);
    if (res.status !== 200) throw new Error(`${noun} ${res.status} ${res.text}`);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/**
 * `visitor` asks for a chat and the agent on `page` accepts it: the visitor hears it is
 * established and the panel has its composer. The agents on `awayMeanwhile` are Away while
 * the offer is out (so it can only go to `page`) and Online again afterwards.
 */
export async function acceptedChat(page: Page, visitor: PollingVisitor, awayMeanwhile: Page[] = []): Promise<PollingVisitor> {
  for (const other of awayMeanwhile) await setPresence(other, 'Away');
  await visitor.request();
  await page.getByRole('article', { name: `Chat offer from ${visitor.name}` }).getByRole('button', { name: 'Accept' }).click();
  await visitor.waitForType('ChatEstablished');
  await chat(page, visitor.name).getByRole('textbox').waitFor();
  for (const other of awayMeanwhile) await setPresence(other, 'Online');
  return visitor;
}
