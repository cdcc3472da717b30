/**
 * Config for the widget-and-console browser test: the widget suite's demo org
 * (bot, empty and human buttons, the pre-chat form on the human button, Alex
 * Agent as `agent`) plus a second human agent on the `support` skill, so a chat
 * started from the demo page can be transferred in the console. And what those
 * tests share besides: the visitor's page, and what each page showed when a test
 * failed.
 */
import type { Browser, Page } from 'playwright-core';
import { browserConfig, IDS } from './browser-server.js';
import type { ConsolePage } from './console-browser.js';
import type { widgetOf } from './widget-page.js';

export const AGENT1 = { id: IDS.humanAgent, name: 'Alex Agent', username: 'agent', password: 'agent-demo' } as const;
export const AGENT2 = { id: '005000000000012', name: 'Blair Agent', username: 'blair', password: 'blair-password' } as const;

interface OrgConfig {
  agents: object[];
}

export function widgetConsoleConfig(): object {
  const config = browserConfig() as { settings: object; orgs: OrgConfig[] };
  const org = config.orgs[0];
  if (!org) throw new Error('browserConfig() has no org');
  org.agents.push({ ...AGENT2, password: `plain:${AGENT2.password}`, role: 'agent', skills: ['support'], capacity: 3 });
  // Short polls keep the network-drop recovery and the end quick to observe.
  config.settings = { ...config.settings, pollHoldSeconds: 1, agentGraceSeconds: 30 };
  return config;
}

/** The visitor's page (1000 × 760, 10 s default timeout) in a context of its own; its page and console errors go to `errors`. */
export async function openVisitorPage(browser: Browser, errors: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 760 } });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  return page;
}

/** Logs what each page showed (a browser test is hard to debug blind): the widget's panel and the visitor's errors, then each console's page and errors. */
export async function logPages(widget: ReturnType<typeof widgetOf> | undefined, visitorErrors: string[], consoles: Record<string, ConsolePage | undefined>): Promise<void> {
  const widgetText = await widget?.panel.innerText().catch(() => '(no panel)');
  console.error(`--- widget ---\n${widgetText}\n${visitorErrors.join('\n')}`);
  for (const [who, p] of Object.entries(consoles)) {
    const text = await p?.page.locator('body').innerText().catch(() => '(no page)');
    console.error(`--- ${who} console ---\n${text}\n${p?.errors.join('\n') ?? ''}`);
  }
}
