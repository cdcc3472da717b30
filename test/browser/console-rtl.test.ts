/**
 * Right-to-left text and bidi controls from visitors, in the agent console: a visitor's name and
 * messages take their own direction (dir=auto: a Hebrew name, an Arabic line with its punctuation
 * at its end, on the left), and a name's bidi control (U+202E, right-to-left override) stays inside
 * the name (<bdi>, or an element of its own with dir=auto) instead of reordering the words after it.
 */
import { describe, expect, it } from 'vitest';
import { chat, type ConsolePage } from './console-browser.js';
import { AGENT1, ConsoleTestServer } from './console-server.js';
import { consoleSuite } from './console-suite.js';
import { PollingVisitor } from './console-visitor.js';

const server = new ConsoleTestServer();
let alex: ConsolePage;
const { visitors } = consoleSuite(server, { alex: AGENT1 }, (c) => ({ alex } = c), { online: 'alex' });

/** Hebrew, then a right-to-left override that would show "nimda" as "admin" and reorder what follows. */
const NAME = 'דנה \u202Enimda';
const ARABIC = 'مرحبا، أين طلبي؟ رقم 1234!';

describe('console: right-to-left text and bidi controls', () => {
  it('a visitor\'s name and messages take their own direction, isolated from the text around them', async () => {
    const page = alex.page;
    const v = new PollingVisitor(server, NAME);
    visitors.push(v);
    await v.request();
    const card = page.getByRole('article', { name: `Chat offer from ${NAME}` });
    // The offer's heading: the name in an isolate of its own, after "New chat: ".
    expect(await card.getByRole('heading').evaluate((h) => [h.firstChild?.textContent, h.lastElementChild?.localName, h.lastElementChild?.textContent])).toEqual(['New chat: ', 'bdi', NAME]);
    await card.getByRole('button', { name: 'Accept' }).click();
    await v.waitForType('ChatEstablished');
    await v.say(ARABIC);
    const panel = chat(page, NAME);
    const line = panel.getByRole('log').locator('.msg.visitor').filter({ hasText: ARABIC });
    await line.waitFor();

    const title = panel.getByRole('heading', { name: NAME });
    expect(await title.getAttribute('dir')).toBe('auto');
    expect(await title.evaluate((h) => h.ownerDocument.defaultView?.getComputedStyle(h).direction)).toBe('rtl');
    const text = line.locator('.text');
    expect(await text.getAttribute('dir')).toBe('auto');
    expect(await text.evaluate((p) => p.ownerDocument.defaultView?.getComputedStyle(p).direction)).toBe('rtl');
    // The author's name (the visitor's) is isolated from the time after it.
    expect(await line.locator('.author bdi').textContent()).toBe(NAME);
    await v.post('Chasitor/ChatEnd', { reason: 'client' });
  });
});
