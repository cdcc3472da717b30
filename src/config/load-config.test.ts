import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_IDS, demoOrg } from './demo-deployment.js';
import { ConfigError, loadConfig, parseConfigText, portFrom, validateConfig } from './load-config.js';
import { unknownSettings } from './unknown-settings.js';

/** The problems a config is rejected with (fails the test when it is accepted). */
function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('config was accepted');
}

const org = (patch: Record<string, unknown> = {}) => ({
  id: '00D000000000009',
  deployments: [{ id: '572000000000009', buttons: [{ id: '573000000000009', skills: ['sales'] }] }],
  agents: [{ id: '005000000000009', name: 'Grace', skills: ['sales'] }],
  ...patch,
});

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-config-'));
  dirs.push(dir);
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('validateConfig', () => {
  it('fills every default from an empty config', () => {
    for (const raw of [{}, null, undefined]) {
      const config = validateConfig(raw, 'test');
      expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8080, dataDir: './data' });
      expect(config.storage.kind).toBe('sqlite');
      expect(config.settings).toMatchObject({ pollHoldSeconds: 25, clientPollTimeoutSeconds: 40, messagesPerPayload: 1, maxBodyBytes: 65536, maxMessageLength: 4000, offlineMessagesPerMinutePerAddress: 5 });
      expect(config.orgs).toEqual([]);
    }
  });

  it('fills button and agent defaults', () => {
    const config = validateConfig({ orgs: [org()] }, 'test');
    const button = config.orgs[0]!.deployments[0]!.buttons[0]!;
    expect(button).toMatchObject({ type: 'Standard', routing: 'MostAvailable', offerTimeoutSeconds: 30, queueSizeLimit: 100, sneakPeekEnabled: true, offlineMessages: false });
    expect(button.chasitorIdleTimeout).toEqual({ isEnabled: false, warningTime: 60, timeout: 120 });
    expect(config.orgs[0]!.agents[0]).toMatchObject({ role: 'agent', capacity: 3 });
  });

  it('does not change the object it was given', () => {
    const raw = { orgs: [org()] };
    const before = JSON.stringify(raw);
    validateConfig(raw, 'test');
    expect(JSON.stringify(raw)).toBe(before);
  });

  it('accepts the demo org', () => {
    expect(validateConfig({ orgs: [structuredClone(demoOrg)] }, 'test').orgs[0]!.id).toBe(DEMO_IDS.organizationId);
  });

  it('reports the JSON path of a bad field', () => {
    const bad = org({ deployments: [{ id: '572000000000009', buttons: [{ id: '573000000000009', routing: 'Random' }] }] });
    const problems = problemsOf(() => validateConfig({ orgs: [bad] }, 'switchboard.yaml'));
    expect(problems.some((p) => p.startsWith('/orgs/0/deployments/0/buttons/0/routing')), problems.join('\n')).toBe(true);
  });

  it.each([
    ['/settings/pollHoldSeconds', { settings: { pollHoldSeconds: 0 } }],
    ['/settings/messagesPerPayload', { settings: { messagesPerPayload: 'one' } }],
    ['/server/port', { server: { port: 70000 } }],
    ['/storage/kind', { storage: { kind: 'mongodb' } }],
    ['/orgs/0/agents/0/name', { orgs: [org({ agents: [{ id: '005000000000009', name: '' }] })] }],
    ['/orgs/0/agents/0/capacity', { orgs: [org({ agents: [{ id: '005000000000009', name: 'G', capacity: -1 }] })] }],
    ['/orgs/1/deployments/0/buttons/0/type', { orgs: [org(), org({ id: '00D00000000000A', deployments: [{ id: '57200000000000A', buttons: [{ id: '57300000000000A', type: 'Fancy' }] }], agents: [] })] }],
  ])('names %s', (path, raw) => {
    const problems = problemsOf(() => validateConfig(raw, 'test'));
    expect(problems.some((p) => p.startsWith(path)), problems.join('\n')).toBe(true);
  });

  it('puts the source and every problem in the message', () => {
    try {
      validateConfig({ settings: { pollHoldSeconds: 0, maxMessageLength: 0 } }, 'my-config.yaml');
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain('my-config.yaml');
      expect((err as Error).message).toContain('/settings/pollHoldSeconds');
      expect((err as Error).message).toContain('/settings/maxMessageLength');
    }
  });

  it('reports a duplicate button id with both paths', () => {
    const dup = org({ deployments: [{ id: '572000000000009', buttons: [{ id: '573000000000009' }, { id: '573000000000009' }] }] });
    const problems = problemsOf(() => validateConfig({ orgs: [dup] }, 'test'));
    expect(problems).toEqual([expect.stringMatching(/^\/orgs\/0\/deployments\/0\/buttons\/1\/id: .*573000000000009.*\/orgs\/0\/deployments\/0\/buttons\/0\/id/)]);
  });

  it('reports ids duplicated across orgs and kinds', () => {
    const problems = problemsOf(() => validateConfig({ orgs: [org(), org({ agents: [] , deployments: [] })] }, 'test'));
    expect(problems.some((p) => p.startsWith('/orgs/1/id') && p.includes('/orgs/0/id'))).toBe(true);
    const clash = org({ agents: [{ id: '573000000000009', name: 'Same id as the button' }] });
    expect(problemsOf(() => validateConfig({ orgs: [clash] }, 'test')).some((p) => p.startsWith('/orgs/0/agents/0/id'))).toBe(true);
  });

  it('reports an 18-character id whose 15-character form another id already is (they would be one agent)', () => {
    const twins = org({ agents: [{ id: '005000000000009', name: 'A' }, { id: '005000000000009AAA', name: 'B' }] });
    expect(problemsOf(() => validateConfig({ orgs: [twins] }, 'test'))).toEqual([expect.stringMatching(/^\/orgs\/0\/agents\/1\/id: .*005000000000009AAA.*\/orgs\/0\/agents\/0\/id/)]);
  });

  it('reports a duplicate username', () => {
    const twins = org({ agents: [{ id: '005000000000009', name: 'A', username: 'ada' }, { id: '005000000000008', name: 'B', username: 'ada' }] });
    expect(problemsOf(() => validateConfig({ orgs: [twins] }, 'test'))).toEqual([expect.stringMatching(/^\/orgs\/0\/agents\/1\/username/)]);
  });

  it('reports a blank or space-padded agent name, username and skill, and a blank or padded skill of a button or quick text', () => {
    const padded = org({
      deployments: [{ id: '572000000000009', buttons: [{ id: '573000000000009', skills: ['sales', '  '] }] }],
      agents: [
        { id: '005000000000009', name: '   ', username: ' ada', skills: ['sales', 'billing '] },
        { id: '005000000000008', name: 'Bo', username: '\t', skills: [] },
      ],
      quickTexts: [{ id: 'hi', title: 'Hi', text: 'Hello', skills: [' '] }],
    });
    expect(problemsOf(() => validateConfig({ orgs: [padded] }, 'test'))).toEqual([
      '/orgs/0/deployments/0/buttons/0/skills/1: is blank (only white space)',
      '/orgs/0/agents/0/name: is blank (only white space)',
      '/orgs/0/agents/0/username: " ada" has white space around it',
      '/orgs/0/agents/0/skills/1: "billing " has white space around it',
      '/orgs/0/agents/1/username: is blank (only white space)',
      '/orgs/0/quickTexts/0/skills/0: is blank (only white space)',
    ]);
  });

  it('checks ToAgent buttons name an agent of the org', () => {
    const noAgent = org({ deployments: [{ id: '572000000000009', buttons: [{ id: '573000000000009', type: 'ToAgent' }] }] });
    expect(problemsOf(() => validateConfig({ orgs: [noAgent] }, 'test'))).toEqual([expect.stringMatching(/^\/orgs\/0\/deployments\/0\/buttons\/0\/agentId: required/)]);
    const unknown = org({ deployments: [{ id: '572000000000009', buttons: [{ id: '573000000000009', type: 'ToAgent', agentId: '005000000000777' }] }] });
    expect(problemsOf(() => validateConfig({ orgs: [unknown] }, 'test'))).toEqual([expect.stringMatching(/^\/orgs\/0\/deployments\/0\/buttons\/0\/agentId: no agent 005000000000777/)]);
  });

  describe('timing settings the server could not carry out', () => {
    const withIdle = (chasitorIdleTimeout: Record<string, unknown>, button: Record<string, unknown> = {}) =>
      ({ orgs: [org({ deployments: [{ id: '572000000000009', buttons: [{ id: '573000000000009', chasitorIdleTimeout, ...button }] }] })] });
    const IDLE = '/orgs/0/deployments/0/buttons/0/chasitorIdleTimeout';

    it.each([
      [{ isEnabled: true, warningTime: 120, timeout: 120 }, `${IDLE}/warningTime`],
      [{ isEnabled: true, warningTime: 300, timeout: 120 }, `${IDLE}/warningTime`],
      [{ isEnabled: true, timeout: 0 }, `${IDLE}/timeout`],
      [{ isEnabled: true, warningTime: 0, timeout: 0 }, `${IDLE}/timeout`],
    ])('refuses an enabled chasitorIdleTimeout %j, naming %s', (idle, path) => {
      const problems = problemsOf(() => validateConfig(withIdle(idle), 'switchboard.yaml'));
      expect(problems).toEqual([expect.stringMatching(new RegExp(`^${path}: `))]);
    });

    it('accepts an enabled idle timeout with the defaults, without a warning (warningTime 0), and anything while it is off', () => {
      expect(validateConfig(withIdle({ isEnabled: true }), 'test').orgs[0]!.deployments[0]!.buttons[0]!.chasitorIdleTimeout).toEqual({ isEnabled: true, warningTime: 60, timeout: 120 });
      expect(validateConfig(withIdle({ isEnabled: true, warningTime: 0, timeout: 30 }), 'test').orgs[0]!.deployments[0]!.buttons[0]!.chasitorIdleTimeout.timeout).toBe(30);
      expect(() => validateConfig(withIdle({ isEnabled: false, warningTime: 300, timeout: 0 }), 'test')).not.toThrow();
    });

    it('refuses timers longer than a day (Node fires a timer beyond 24.8 days at once)', () => {
      expect(problemsOf(() => validateConfig(withIdle({ isEnabled: true, warningTime: 60, timeout: 3_000_000 }), 'test'))).toEqual([expect.stringMatching(new RegExp(`^${IDLE}/timeout: must be <= 86400`))]);
      expect(problemsOf(() => validateConfig(withIdle({}, { offerTimeoutSeconds: 3_000_000 }), 'test'))).toEqual([expect.stringMatching(/^\/orgs\/0\/deployments\/0\/buttons\/0\/offerTimeoutSeconds: must be <= 86400/)]);
      expect(() => validateConfig(withIdle({ isEnabled: true, warningTime: 86_399, timeout: 86_400 }, { offerTimeoutSeconds: 86_400 }), 'test')).not.toThrow();
    });

    it('refuses a poll hold as long as the clientPollTimeout announced to visitors (they would give up on every held poll)', () => {
      expect(problemsOf(() => validateConfig({ settings: { pollHoldSeconds: 40 } }, 'test'))).toEqual([expect.stringMatching(/^\/settings\/pollHoldSeconds: .*clientPollTimeoutSeconds/)]);
      expect(problemsOf(() => validateConfig({ settings: { pollHoldSeconds: 25, clientPollTimeoutSeconds: 20 } }, 'test'))).toEqual([expect.stringMatching(/^\/settings\/pollHoldSeconds: /)]);
      expect(validateConfig({ settings: { pollHoldSeconds: 39.5 } }, 'test').settings.pollHoldSeconds).toBe(39.5);
      expect(validateConfig({ settings: { pollHoldSeconds: 0.5, clientPollTimeoutSeconds: 1 } }, 'test').settings.clientPollTimeoutSeconds).toBe(1);
    });
  });

  it('refuses text holding a NUL anywhere (a name, a skill, a password, a key), naming each path, from YAML or JSON', () => {
    const yaml = [
      'orgs:',
      '  - id: "00D000000000009"',
      '    deployments: [{ id: "572000000000009", buttons: [{ id: "573000000000009", label: "Sa\\0les", skills: [sales] }] }]',
      '    agents:',
      '      - { id: "005000000000009", name: "Gr\\0ace", username: grace, password: "plain:se\\0cret", skills: ["sa\\0les"] }',
    ].join('\n');
    const problems = problemsOf(() => validateConfig(parseConfigText(yaml, 'c.yaml'), 'c.yaml'));
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^\/orgs\/0\/agents\/0\/name: contains a NUL character/),
      expect.stringMatching(/^\/orgs\/0\/agents\/0\/password: contains a NUL/),
      expect.stringMatching(/^\/orgs\/0\/agents\/0\/skills\/0: contains a NUL/),
      expect.stringMatching(/^\/orgs\/0\/deployments\/0\/buttons\/0\/label: contains a NUL/),
    ]));
    expect(problems).toHaveLength(4);
    const json = JSON.stringify({ orgs: [org({ agents: [{ id: '005000000000009', name: 'Grace', skills: ['sales'], ['bad\u0000key']: 1 }] })] });
    expect(problemsOf(() => validateConfig(parseConfigText(json, 'c.json'), 'c.json')).some((p) => p.includes('/orgs/0/agents/0/bad\\u0000key: a key contains a NUL'))).toBe(true);
  });

  it('requires postgresUrl for postgres storage', () => {
    expect(problemsOf(() => validateConfig({ storage: { kind: 'postgres' } }, 'test'))).toEqual([expect.stringMatching(/^\/storage\/postgresUrl/)]);
  });

  it('refuses a postgresUrl that sets search_path (one database per deployment), from the file or the variable', () => {
    const url = 'postgres://sb@127.0.0.1:5432/shared?options=-c%20search_path%3Dtenant_a';
    expect(problemsOf(() => validateConfig({ storage: { kind: 'postgres', postgresUrl: url } }, 'test'))).toEqual([expect.stringMatching(/^\/storage\/postgresUrl: sets search_path, which Switchboard does not support: a deployment is one whole PostgreSQL database/)]);
    expect(problemsOf(() => loadConfig(undefined, { SWITCHBOARD_STORAGE: 'postgres', SWITCHBOARD_POSTGRES_URL: 'postgres://127.0.0.1/test?options=-csearch_path=x' }, {}))).toEqual([expect.stringMatching(/^\/storage\/postgresUrl: sets search_path/)]);
    expect(validateConfig({ storage: { kind: 'postgres', postgresUrl: 'postgres://sb@127.0.0.1:5432/switchboard?sslmode=require&application_name=x' } }, 'test').storage.postgresUrl).toContain('sslmode');
  });
});

describe('quick texts (ADR 0047)', () => {
  const withQuickTexts = (quickTexts: unknown[], settings: Record<string, unknown> = {}) => ({ settings, orgs: [org({ quickTexts })] });

  it('takes quick texts with and without skills, and an org without any has none', () => {
    const config = validateConfig(withQuickTexts([{ id: 'hi', title: 'Hi', text: 'Hello!' }, { id: 'order', title: 'Order', text: 'Order number?', skills: ['sales'] }]), 'test');
    expect(config.orgs[0]!.quickTexts).toEqual([{ id: 'hi', title: 'Hi', text: 'Hello!' }, { id: 'order', title: 'Order', text: 'Order number?', skills: ['sales'] }]);
    expect(validateConfig({ orgs: [org()] }, 'test').orgs[0]!.quickTexts).toEqual([]);
  });

  it('names a duplicate id with both entries', () => {
    const problems = problemsOf(() => validateConfig(withQuickTexts([{ id: 'hi', title: 'A', text: 'a' }, { id: 'bye', title: 'B', text: 'b' }, { id: 'hi', title: 'C', text: 'c' }]), 'test'));
    expect(problems).toEqual([expect.stringMatching(/^\/orgs\/0\/quickTexts\/2\/id: .*hi.*\/orgs\/0\/quickTexts\/0\/id/)]);
  });

  it('allows the same id in two orgs', () => {
    const other = { id: '00D000000000008', quickTexts: [{ id: 'hi', title: 'Hi', text: 'Hallo' }] };
    expect(() => validateConfig({ orgs: [org({ quickTexts: [{ id: 'hi', title: 'Hi', text: 'Hello' }] }), other] }, 'test')).not.toThrow();
  });

  it('names an empty or blank text, and a blank title', () => {
    expect(problemsOf(() => validateConfig(withQuickTexts([{ id: 'a', title: 'A', text: '' }]), 'test'))).toEqual([expect.stringMatching(/^\/orgs\/0\/quickTexts\/0\/text: /)]);
    expect(problemsOf(() => validateConfig(withQuickTexts([{ id: 'a', title: 'A', text: 'ok' }, { id: 'b', title: 'B', text: ' \n ' }]), 'test'))).toEqual([expect.stringMatching(/^\/orgs\/0\/quickTexts\/1\/text: is empty/)]);
    expect(problemsOf(() => validateConfig(withQuickTexts([{ id: 'a', title: '   ', text: 'ok' }]), 'test'))).toEqual([expect.stringMatching(/^\/orgs\/0\/quickTexts\/0\/title: is empty/)]);
  });

  it('names a title over 80 characters and a text longer than settings.maxMessageLength', () => {
    expect(problemsOf(() => validateConfig(withQuickTexts([{ id: 'a', title: 'x'.repeat(81), text: 'ok' }]), 'test'))).toEqual([expect.stringMatching(/^\/orgs\/0\/quickTexts\/0\/title: .*80/)]);
    expect(() => validateConfig(withQuickTexts([{ id: 'a', title: 'A', text: 'x'.repeat(4000) }]), 'test')).not.toThrow();
    expect(problemsOf(() => validateConfig(withQuickTexts([{ id: 'a', title: 'A', text: 'x'.repeat(4001) }]), 'test'))).toEqual([expect.stringMatching(/^\/orgs\/0\/quickTexts\/0\/text: .*4001.*maxMessageLength \(4000\)/)]);
    expect(problemsOf(() => validateConfig(withQuickTexts([{ id: 'a', title: 'A', text: 'x'.repeat(11) }], { maxMessageLength: 10 }), 'test'))).toEqual([expect.stringMatching(/^\/orgs\/0\/quickTexts\/0\/text: .*maxMessageLength \(10\)/)]);
  });

  it('the demo deployment has quick texts for the support skill, valid under the default limits', () => {
    const config = validateConfig({ orgs: [structuredClone(demoOrg)] }, 'test');
    const quickTexts = config.orgs[0]!.quickTexts;
    expect(quickTexts.length).toBeGreaterThanOrEqual(3);
    for (const q of quickTexts) expect(q.skills).toEqual(['support']);
  });
});

describe('webhooks (ADR 0065)', () => {
  const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const withWebhooks = (webhooks: unknown[]) => ({ orgs: [org({ webhooks })] });

  it('takes a webhook with its defaults (chat.ended, enabled), and an org without any has none', () => {
    const config = validateConfig(withWebhooks([{ name: 'crm', url: 'https://crm.example.com/hook', secret: SECRET }]), 'test');
    expect(config.orgs[0]!.webhooks).toEqual([{ name: 'crm', url: 'https://crm.example.com/hook', secret: SECRET, events: ['chat.ended'], enabled: true }]);
    expect(validateConfig({ orgs: [org()] }, 'test').orgs[0]!.webhooks).toEqual([]);
  });

  it('names a duplicate name, a URL that is not http(s), a secret that is not one, and a listed event twice', () => {
    const problems = problemsOf(() => validateConfig(withWebhooks([
      { name: 'crm', url: 'https://a.example/h', secret: SECRET },
      { name: 'crm', url: 'ftp://b.example/h', secret: 'just a long enough password!!!!!' },
      { name: 'tickets', url: 'not a url', secret: 'whsec_c2hvcnQ=', events: ['chat.ended', 'chat.ended'] },
    ]), 'test'));
    expect(problems).toEqual([
      expect.stringMatching(/^\/orgs\/0\/webhooks\/1\/name: webhook name crm is already used at \/orgs\/0\/webhooks\/0\/name$/),
      '/orgs/0/webhooks/1/url: ftp: is not http: or https:',
      expect.stringMatching(/^\/orgs\/0\/webhooks\/1\/secret: is not whsec_ and base64/),
      expect.stringMatching(/^\/orgs\/0\/webhooks\/2\/url: not a url is not a URL/),
      expect.stringMatching(/^\/orgs\/0\/webhooks\/2\/secret: holds 5 bytes, fewer than 24/),
      '/orgs/0/webhooks/2/events: an event is listed twice',
    ]);
  });

  it('refuses an event it does not know and a name unfit for a metric label, by the schema', () => {
    const problems = problemsOf(() => validateConfig(withWebhooks([{ name: 'my crm', url: 'https://a.example/h', secret: SECRET, events: ['chat.started'] }]), 'test'));
    expect(problems.some((p) => p.startsWith('/orgs/0/webhooks/0/name'))).toBe(true);
    expect(problems.some((p) => p.startsWith('/orgs/0/webhooks/0/events/0'))).toBe(true);
  });

  it('allows the same name in two orgs', () => {
    const other = { id: '00D000000000008', webhooks: [{ name: 'crm', url: 'http://127.0.0.1:9/h', secret: SECRET }] };
    expect(() => validateConfig({ orgs: [org({ webhooks: [{ name: 'crm', url: 'https://a.example/h', secret: SECRET }] }), other] }, 'test')).not.toThrow();
  });
});

describe('PostgreSQL connection settings', () => {
  it('refuses a key=value connection string, which pg would read as a database name on a host called "base"', () => {
    const problems = problemsOf(() => validateConfig({ storage: { kind: 'postgres', postgresUrl: 'host=127.0.0.1 dbname=test password=hunter2' } }, 'test'));
    expect(problems).toEqual([expect.stringMatching(/^\/storage\/postgresUrl: is not a postgres:\/\/ URL/)]);
    expect(problems.join()).not.toContain('hunter2');
    for (const ok of ['postgres://127.0.0.1/test', 'postgresql://sb@db:5432/x', 'POSTGRES://127.0.0.1/test', '/var/run/postgresql test']) {
      expect(validateConfig({ storage: { kind: 'postgres', postgresUrl: ok } }, 'test').storage.postgresUrl).toBe(ok);
    }
  });

  it('refuses PGOPTIONS that sets search_path when the store is PostgreSQL, and ignores it otherwise', () => {
    const env = { SWITCHBOARD_STORAGE: 'postgres', SWITCHBOARD_POSTGRES_URL: 'postgres://127.0.0.1/test', PGOPTIONS: '-c search_path=tenant_a' };
    expect(problemsOf(() => loadConfig(undefined, env, {}))).toEqual([expect.stringMatching(/^PGOPTIONS: sets search_path/)]);
    expect(loadConfig(undefined, { ...env, PGOPTIONS: '-c statement_timeout=5000' }, {}).storage.kind).toBe('postgres');
    expect(loadConfig(undefined, { PGOPTIONS: '-c search_path=tenant_a' }, {}).storage.kind).toBe('sqlite');
  });
});

describe('parseConfigText', () => {
  it('parses YAML', () => {
    const yaml = [
      'server:',
      '  port: 9000',
      'settings:',
      '  pollHoldSeconds: 10',
      'orgs:',
      '  - id: 00D000000000009',
      '    deployments:',
      '      - id: "572000000000009"',
      '        buttons:',
      '          - id: "573000000000009"',
      '            routing: LeastActive',
      '            skills: [sales]',
      '    agents:',
      '      - { id: "005000000000009", name: Grace, skills: [sales] }',
    ].join('\n');
    const config = validateConfig(parseConfigText(yaml, 'switchboard.yaml'), 'switchboard.yaml');
    expect(config.server.port).toBe(9000);
    expect(config.settings.pollHoldSeconds).toBe(10);
    expect(config.orgs[0]!.deployments[0]!.buttons[0]).toMatchObject({ id: '573000000000009', routing: 'LeastActive', skills: ['sales'] });
    expect(config.orgs[0]!.agents[0]).toMatchObject({ id: '005000000000009', name: 'Grace' });
  });

  it('reads unquoted all-digit ids in YAML as string ids', () => {
    const yaml = 'orgs:\n  - id: 00D000000000009\n    deployments:\n      - id: 572000000000009\n        buttons:\n          - id: 573000000000009\n';
    const config = validateConfig(parseConfigText(yaml, 'c.yml'), 'c.yml');
    expect(config.orgs[0]!.deployments[0]!.id).toBe('572000000000009');
    expect(config.orgs[0]!.deployments[0]!.buttons[0]!.id).toBe('573000000000009');
  });

  it('keeps unquoted YAML ids exactly as written: leading zeros and digits beyond 2^53 are not lost', () => {
    const yaml = [
      'orgs:',
      '  - id: 00D000000000009',
      '    deployments:',
      '      - id: 572000000000009',
      '        buttons:',
      '          - { id: 5730000000000000123, type: ToAgent, agentId: 005000000000009 }',
      '    agents:',
      '      - { id: 005000000000009, name: Grace }',
    ].join('\n');
    const config = validateConfig(parseConfigText(yaml, 'c.yaml'), 'c.yaml');
    expect(config.orgs[0]!.deployments[0]!.buttons[0]).toMatchObject({ id: '5730000000000000123', agentId: '005000000000009' });
    expect(config.orgs[0]!.agents[0]!.id).toBe('005000000000009');
    // Ordinary numbers stay numbers.
    expect(parseConfigText('server: { port: 9000 }\nsettings: { pollHoldSeconds: 010 }', 'c.yaml')).toEqual({ server: { port: 9000 }, settings: { pollHoldSeconds: '010' } });
  });

  it('keeps unquoted YAML ids that read as other numbers exactly as written (exponents, hex, signs), in every id field', () => {
    // The emulator audit's config: `5725e0000000001` is 5725·10^0000000001 to YAML, and became 57250.
    const yaml = [
      'orgs:',
      '  - id: 00D5e000000A1b2',
      '    deployments:',
      '      - id: 5725e0000000001',
      '        buttons:',
      '          - { id: 5735e0000000001, skills: [x], offerTimeoutSeconds: 1e1, queueSizeLimit: 0x10 }',
      '          - { id: 5735E0000000002 }',
      '          - { id: 1e5 }',
      '          - { id: 0x1F }',
      '          - { id: 0o17 }',
      '          - { id: +573 }',
      '          - { id: 5.0 }',
      '          - { id: .inf }',
      '          - { id: 5735e0000000009, type: ToAgent, agentId: 0055e0000000001 }',
      '    agents:',
      '      - { id: 0055e0000000001, name: N, capacity: 3 }',
    ].join('\n');
    const config = validateConfig(parseConfigText(yaml, 'c.yaml'), 'c.yaml');
    const deployment = config.orgs[0]!.deployments[0]!;
    expect(deployment.id).toBe('5725e0000000001');
    expect(deployment.buttons.map((b) => b.id)).toEqual(['5735e0000000001', '5735E0000000002', '1e5', '0x1F', '0o17', '+573', '5.0', '.inf', '5735e0000000009']);
    expect(deployment.buttons.at(-1)!.agentId).toBe('0055e0000000001');
    expect(config.orgs[0]!.agents[0]!.id).toBe('0055e0000000001');
    // Numbers that are numbers stay numbers, however they are written.
    expect(deployment.buttons[0]).toMatchObject({ offerTimeoutSeconds: 10, queueSizeLimit: 16 });
    expect(config.orgs[0]!.agents[0]!.capacity).toBe(3);
  });

  it('keeps an id written through a YAML alias as written', () => {
    const yaml = 'orgs:\n  - id: &org 5725e0000000009\n    deployments: []\n    agents:\n      - { id: 0055e0000000001, name: N }\nx: *org\n';
    expect((parseConfigText(yaml, 'c.yaml') as { orgs: { id: unknown }[] }).orgs[0]!.id).toBe('5725e0000000009');
  });

  it('keeps a JSON id written as a number exactly as written (exponent, fraction, beyond 2^53)', () => {
    const json = '{"orgs":[{"id":"00D000000000009","deployments":[{"id":5725e0000000001,"buttons":[{"id":5720000000000000123,"offerTimeoutSeconds":1e1},{"id":573.0},{"id":573000000000009}]}],"agents":[]}]}';
    const config = validateConfig(parseConfigText(json, 'c.json'), 'c.json');
    expect(config.orgs[0]!.deployments[0]!.id).toBe('5725e0000000001');
    expect(config.orgs[0]!.deployments[0]!.buttons.map((b) => b.id)).toEqual(['5720000000000000123', '573.0', '573000000000009']);
    expect(config.orgs[0]!.deployments[0]!.buttons[0]!.offerTimeoutSeconds).toBe(10);
  });

  it('refuses an id that is a number whose text it does not have, naming the path and saying to quote it', () => {
    const problems = problemsOf(() => validateConfig({ orgs: [org({ deployments: [{ id: 57250, buttons: [] }] })] }, 'c.yaml'));
    expect(problems).toEqual([expect.stringMatching(/^\/orgs\/0\/deployments\/0\/id: .*57250.*quote/)]);
    // JSON with a duplicate key cannot be read again as YAML for the id's text.
    const json = '{"orgs":[{"id":"00D000000000009","name":"a","name":"b","deployments":[{"id":5725e0000000001,"buttons":[]}]}]}';
    expect(problemsOf(() => validateConfig(parseConfigText(json, 'c.json'), 'c.json'))).toEqual([expect.stringMatching(/^\/orgs\/0\/deployments\/0\/id: .*57250.*quote/)]);
  });

  it('loads the emulator audit\'s YAML with its ids as written', () => {
    const file = tempFile('num2.yaml', [
      'storage: { kind: memory }',
      'orgs:',
      '  - id: 00D5e000000A1b2',
      '    deployments:',
      '      - id: 5725e0000000001',
      '        buttons:',
      '          - id: 5735e0000000001',
      '            skills: [x]',
      '          - id: 5735E0000000002',
      '    agents:',
      '      - id: 0055e0000000001',
      '        name: N',
      '        skills: [x]',
      '        bot: echo',
    ].join('\n'));
    const config = loadConfig(file, {}, {});
    expect(config.orgs.map((o) => o.id)).toEqual(['00D5e000000A1b2']);
    expect(config.orgs[0]!.deployments[0]!.id).toBe('5725e0000000001');
    expect(config.orgs[0]!.deployments[0]!.buttons.map((b) => b.id)).toEqual(['5735e0000000001', '5735E0000000002']);
    expect(config.orgs[0]!.agents[0]!.id).toBe('0055e0000000001');
  });

  it('parses JSON by extension, and JSON under any other name (YAML is a superset)', () => {
    expect(parseConfigText('{"server":{"port":1}}', 'c.json')).toEqual({ server: { port: 1 } });
    expect(parseConfigText('{"server":{"port":1}}', 'c.conf')).toEqual({ server: { port: 1 } });
  });

  it('reports text that does not parse as a ConfigError naming the file', () => {
    expect(() => parseConfigText('{"server":', 'c.json')).toThrow(ConfigError);
    expect(() => parseConfigText('a: [1, 2', 'c.yaml')).toThrow(/c\.yaml/);
  });
});

describe('loadConfig', () => {
  it('says a config file it cannot read as any other config problem, naming the file and why', () => {
    const missing = join(tmpdir(), 'switchboard-no-such-config.yaml');
    let err: unknown;
    try {
      loadConfig(missing, {}, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(`invalid config ${missing}:\n  cannot read ${missing}: no such file (ENOENT)`);
  });

  it('loads the demo deployment when there is no file', () => {
    const config = loadConfig(undefined, {}, {});
    expect(config.orgs.map((o) => o.id)).toEqual([DEMO_IDS.organizationId]);
    const buttons = config.orgs[0]!.deployments[0]!.buttons.map((b) => b.id);
    expect(buttons).toEqual(expect.arrayContaining([DEMO_IDS.botButtonId, DEMO_IDS.emptyButtonId]));
    expect(config.orgs[0]!.agents).toEqual(expect.arrayContaining([expect.objectContaining({ id: DEMO_IDS.botAgentId, name: 'Demo Bot', bot: 'echo' })]));
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8080, dataDir: './data' });
  });

  it('applies PORT, HOST and SWITCHBOARD_DATA_DIR', () => {
    const config = loadConfig(undefined, { PORT: '9191', HOST: '0.0.0.0', SWITCHBOARD_DATA_DIR: '/var/lib/switchboard' }, {});
    expect(config.server).toMatchObject({ host: '0.0.0.0', port: 9191, dataDir: '/var/lib/switchboard' });
  });

  it('lets flags win over the environment, and the environment over the file', () => {
    const file = tempFile('c.yaml', 'server:\n  host: 10.0.0.1\n  port: 7000\n  dataDir: /from/file\n');
    expect(loadConfig(file, {}, {}).server).toMatchObject({ host: '10.0.0.1', port: 7000, dataDir: '/from/file' });
    expect(loadConfig(file, { PORT: '7001', HOST: '10.0.0.2' }, {}).server).toMatchObject({ host: '10.0.0.2', port: 7001, dataDir: '/from/file' });
    expect(loadConfig(file, { PORT: '7001', HOST: '10.0.0.2', SWITCHBOARD_DATA_DIR: '/from/env' }, { port: 7002, host: '10.0.0.3', dataDir: '/from/flag' }).server)
      .toMatchObject({ host: '10.0.0.3', port: 7002, dataDir: '/from/flag' });
  });

  it('reads SWITCHBOARD_TRUST_PROXY (true/false, hops, proxy addresses) and SWITCHBOARD_RETENTION_DAYS', () => {
    expect(loadConfig(undefined, {}, {}).server.trustProxy).toBe(false);
    expect(loadConfig(undefined, { SWITCHBOARD_TRUST_PROXY: 'true' }, {}).server.trustProxy).toBe(true);
    expect(loadConfig(undefined, { SWITCHBOARD_TRUST_PROXY: '2' }, {}).server.trustProxy).toBe(2);
    expect(loadConfig(undefined, { SWITCHBOARD_TRUST_PROXY: '10.0.0.0/8,127.0.0.1' }, {}).server.trustProxy).toBe('10.0.0.0/8,127.0.0.1');
    expect(loadConfig(undefined, { SWITCHBOARD_RETENTION_DAYS: '30' }, {}).settings.retentionDays).toBe(30);
    expect(() => loadConfig(undefined, { SWITCHBOARD_RETENTION_DAYS: 'forever' }, {})).toThrow(ConfigError);
  });

  it('reads SWITCHBOARD_ALLOWED_ORIGINS as a comma-separated list and refuses an entry that is not an origin', () => {
    expect(loadConfig(undefined, {}, {}).server.allowedOrigins).toEqual([]);
    expect(loadConfig(undefined, { SWITCHBOARD_ALLOWED_ORIGINS: 'https://www.shop.example, https://*.help.example' }, {}).server.allowedOrigins)
      .toEqual(['https://www.shop.example', 'https://*.help.example']);
    expect(() => loadConfig(undefined, { SWITCHBOARD_ALLOWED_ORIGINS: 'www.shop.example' }, {})).toThrow(ConfigError);
    expect(() => loadConfig(undefined, { SWITCHBOARD_ALLOWED_ORIGINS: 'https://www.shop.example/cart' }, {})).toThrow(ConfigError);
  });

  it('reads trustProxy as people write it: TRUE/yes, 0/no, quoted hop counts; a number is never an address', () => {
    const env = (v: string) => loadConfig(undefined, { SWITCHBOARD_TRUST_PROXY: v }, {}).server.trustProxy;
    expect(env('TRUE')).toBe(true);
    expect(env('yes')).toBe(true);
    expect(env('0')).toBe(false);
    expect(env('No')).toBe(false);
    expect(() => env('100')).toThrow(ConfigError);
    expect(validateConfig({ server: { trustProxy: '2' } }, 'test').server.trustProxy).toBe(2);
    expect(validateConfig({ server: { trustProxy: 'True' } }, 'test').server.trustProxy).toBe(true);
    expect(() => validateConfig({ server: { trustProxy: 100 } }, 'test')).toThrow(ConfigError);
  });

  it('refuses an API version range that accepts no version (every visitor request would be 400)', () => {
    expect(() => validateConfig({ settings: { minApiVersion: 70 } }, 'test')).toThrow(
      '/settings/minApiVersion: 70 is more than maxApiVersion (66): every visitor request would be refused as Unsupported API version',
    );
    expect(validateConfig({ settings: { minApiVersion: 34, maxApiVersion: 34 } }, 'test').settings.maxApiVersion).toBe(34);
  });

  it('refuses a trustProxy address list the server could not use, naming the setting (not a bare "invalid IP address" at start-up)', () => {
    const problems = (raw: unknown) => {
      try {
        validateConfig(raw, 'test');
      } catch (err) {
        return (err as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ server: { trustProxy: 'maybe' } })).toEqual([expect.stringMatching(/^\/server\/trustProxy: maybe is not an address or CIDR range/)]);
    expect(problems({ server: { trustProxy: '10.0.0.0/33' } })).toEqual([expect.stringMatching(/^\/server\/trustProxy: 10\.0\.0\.0\/33 is not an address or CIDR range/)]);
    expect(problems({ server: { trustProxy: '10.0.0.1, foo' } })).toEqual([expect.stringMatching(/^\/server\/trustProxy: foo is not/)]);
    expect(() => loadConfig(undefined, { SWITCHBOARD_TRUST_PROXY: 'proxy.internal' }, {})).toThrow(/\/server\/trustProxy: proxy\.internal is not/);
    // What fastify's proxy-addr takes: addresses, ranges (also as masks), its named ranges.
    for (const ok of ['10.0.0.0/8, 127.0.0.1', '::1', 'fd00::/8', '192.168.0.0/255.255.0.0', 'loopback, uniquelocal']) {
      expect(problems({ server: { trustProxy: ok } }), ok).toEqual([]);
    }
  });

  it('names settings it does not know, with the one most likely meant', () => {
    const raw = { foo: 'bar', settings: { pollHoldSecs: 3, pollHoldSeconds: 5 }, server: { trustproxy: true }, orgs: [{ ...org(), colour: 'red' }] };
    expect(unknownSettings(raw)).toEqual([
      'foo: unknown setting',
      'settings.pollHoldSecs: unknown setting (did you mean pollHoldSeconds?)',
      'server.trustproxy: unknown setting (did you mean trustProxy?)',
      'orgs[0].colour: unknown setting',
    ]);
    expect(unknownSettings({ settings: { pollHoldSeconds: 5 }, orgs: [org()] })).toEqual([]);
  });

  it('rejects a PORT that is not a port number', () => {
    for (const port of ['http', '-1', '65536', '80.5']) expect(() => loadConfig(undefined, { PORT: port }, {})).toThrow(ConfigError);
  });

  it('names the variable, its value and the allowed values for a bad SWITCHBOARD_STORAGE or SWITCHBOARD_LOG_LEVEL', () => {
    expect(problemsOf(() => loadConfig(undefined, { SWITCHBOARD_STORAGE: 'mongo' }, {}))).toEqual(['SWITCHBOARD_STORAGE: mongo is not one of sqlite, postgres, memory']);
    expect(problemsOf(() => loadConfig(undefined, { SWITCHBOARD_LOG_LEVEL: 'verbose' }, {}))).toEqual(['SWITCHBOARD_LOG_LEVEL: verbose is not one of fatal, error, warn, info, debug, trace, silent']);
    expect(loadConfig(undefined, { SWITCHBOARD_STORAGE: 'memory', SWITCHBOARD_LOG_LEVEL: 'warn' }, {})).toMatchObject({ storage: { kind: 'memory' }, server: { logLevel: 'warn' } });
  });

  it('turns emulator mode on from the file, SWITCHBOARD_EMULATOR or --emulator; off by default', () => {
    expect(loadConfig(undefined, {}, {}).server.emulator).toBe(false);
    for (const on of ['true', '1', 'YES']) expect(loadConfig(undefined, { SWITCHBOARD_EMULATOR: on }, {}).server.emulator, on).toBe(true);
    expect(loadConfig(undefined, {}, { emulator: true }).server.emulator).toBe(true);
    const file = tempFile('emu.yaml', 'server:\n  emulator: true\n');
    expect(loadConfig(file, {}, {}).server.emulator).toBe(true);
    // The variable can turn off what the file turned on; the flag only turns it on.
    expect(loadConfig(file, { SWITCHBOARD_EMULATOR: 'false' }, {}).server.emulator).toBe(false);
    expect(loadConfig(file, { SWITCHBOARD_EMULATOR: '0' }, { emulator: true }).server.emulator).toBe(true);
    expect(problemsOf(() => loadConfig(undefined, { SWITCHBOARD_EMULATOR: 'on-ish' }, {}))).toEqual(['SWITCHBOARD_EMULATOR: on-ish is not true or false']);
    expect(problemsOf(() => validateConfig({ server: { emulator: 'yes' } }, 'x.yaml'))).toEqual(['/server/emulator: must be boolean']);
  });

  it('turns hot standby on from the file or SWITCHBOARD_STANDBY; off by default; never on the memory store (ADR 0048)', () => {
    expect(loadConfig(undefined, {}, {}).storage.standby).toBe(false);
    for (const on of ['true', '1', 'yes']) expect(loadConfig(undefined, { SWITCHBOARD_STANDBY: on }, {}).storage.standby, on).toBe(true);
    const file = tempFile('standby.yaml', 'storage:\n  standby: true\n');
    expect(loadConfig(file, {}, {}).storage.standby).toBe(true);
    expect(loadConfig(file, { SWITCHBOARD_STANDBY: 'false' }, {}).storage.standby).toBe(false);
    expect(problemsOf(() => loadConfig(undefined, { SWITCHBOARD_STANDBY: 'maybe' }, {}))).toEqual(['SWITCHBOARD_STANDBY: maybe is not true or false']);
    expect(problemsOf(() => validateConfig({ storage: { standby: 'yes' } }, 'x.yaml'))).toEqual(['/storage/standby: must be boolean']);
    const memory = ["/storage/standby: needs storage.kind sqlite or postgres (a memory store is no one else's: a standby on it would serve at once)"];
    expect(problemsOf(() => validateConfig({ storage: { kind: 'memory', standby: true } }, 'x.yaml'))).toEqual(memory);
    expect(problemsOf(() => loadConfig(file, { SWITCHBOARD_STORAGE: 'memory' }, {}))).toEqual(memory);
    // check-config knows the setting (a misspelling of it is reported).
    expect(unknownSettings({ storage: { standby: true } })).toEqual([]);
    expect(unknownSettings({ storage: { standBy: true } })).toHaveLength(1);
  });

  describe('the metrics token (server.metricsToken, SWITCHBOARD_METRICS_TOKEN)', () => {
    const token = 'a3f1c0de5eed4b1d8c2e9f7a6b5c4d3e';

    it('is unset by default, and SWITCHBOARD_METRICS_TOKEN overrides the file', () => {
      expect(loadConfig(undefined, {}, {}).server.metricsToken).toBeUndefined();
      expect(loadConfig(undefined, { SWITCHBOARD_METRICS_TOKEN: token }, {}).server.metricsToken).toBe(token);
      const file = tempFile('metrics.yaml', `server:\n  metricsToken: ${'f'.repeat(20)}\n`);
      expect(loadConfig(file, {}, {}).server.metricsToken).toBe('f'.repeat(20));
      expect(loadConfig(file, { SWITCHBOARD_METRICS_TOKEN: token }, {}).server.metricsToken).toBe(token);
    });

    it('refuses an empty, short or spaced token with a clear reason that never shows the token', () => {
      expect(problemsOf(() => validateConfig({ server: { metricsToken: '' } }, 'test'))).toEqual([
        '/server/metricsToken: is empty: give a token of at least 16 characters (`openssl rand -hex 32` makes one), or leave the setting out to serve /metrics without one',
      ]);
      expect(problemsOf(() => validateConfig({ server: { metricsToken: 'sekrit-short' } }, 'test'))).toEqual([
        '/server/metricsToken: must be at least 16 characters, this one has 12 (`openssl rand -hex 32` makes one)',
      ]);
      for (const spaced of [` ${token}`, `${token}\n`, 'correct horse battery staple', `${token}é`]) {
        expect(problemsOf(() => validateConfig({ server: { metricsToken: spaced } }, 'test')), JSON.stringify(spaced)).toEqual([
          '/server/metricsToken: may hold only printable ASCII characters, without spaces (it is sent in an HTTP header; `openssl rand -hex 32` makes one)',
        ]);
      }
      expect(problemsOf(() => validateConfig({ server: { metricsToken: 1234567890123456 } }, 'test'))).toEqual(['/server/metricsToken: must be string']);
      // A variable set to nothing (a secret that did not arrive) does not leave /metrics open without a word.
      const empty = problemsOf(() => loadConfig(undefined, { SWITCHBOARD_METRICS_TOKEN: '' }, {}));
      expect(empty).toHaveLength(1);
      expect(empty[0]).toMatch(/^\/server\/metricsToken: is empty/);
      const refused = (() => {
        try {
          loadConfig(undefined, { SWITCHBOARD_METRICS_TOKEN: 'sekrit-short' }, {});
        } catch (err) {
          return err;
        }
        return null;
      })();
      expect(refused).toBeInstanceOf(ConfigError);
      expect((refused as Error).message).toContain('environment (SWITCHBOARD_METRICS_TOKEN)');
      expect((refused as Error).message).not.toContain('sekrit-short');
    });

    it('turns /metrics off with server.metrics: false or SWITCHBOARD_METRICS; on by default', () => {
      expect(loadConfig(undefined, {}, {}).server.metrics).toBe(true);
      expect(loadConfig(undefined, { SWITCHBOARD_METRICS: 'false' }, {}).server.metrics).toBe(false);
      const file = tempFile('no-metrics.yaml', 'server:\n  metrics: false\n');
      expect(loadConfig(file, {}, {}).server.metrics).toBe(false);
      expect(loadConfig(file, { SWITCHBOARD_METRICS: 'yes' }, {}).server.metrics).toBe(true);
      expect(problemsOf(() => loadConfig(undefined, { SWITCHBOARD_METRICS: 'maybe' }, {}))).toEqual(['SWITCHBOARD_METRICS: maybe is not true or false']);
    });
  });

  it('says where the merged values came from when they are invalid: the file, the environment, the flags', () => {
    const message = (file: string | undefined, env: NodeJS.ProcessEnv, flags = {}) => {
      try {
        loadConfig(file, env, flags);
      } catch (err) {
        return (err as ConfigError).message.split('\n')[0];
      }
      throw new Error('config was accepted');
    };
    // postgres without a URL passes the variable's own check and fails the merged config's.
    expect(message(undefined, { SWITCHBOARD_STORAGE: 'postgres' })).toBe('invalid config environment (SWITCHBOARD_STORAGE):');
    const file = tempFile('c.yaml', 'settings:\n  pollHoldSeconds: 5\n');
    expect(message(file, { PORT: '7000', SWITCHBOARD_STORAGE: 'postgres' }, { host: '0.0.0.0' })).toBe(`invalid config ${file} + environment (PORT, SWITCHBOARD_STORAGE) + flags (--host):`);
  });

  it('loads a JSON file with its own org and no demo', () => {
    const file = tempFile('c.json', JSON.stringify({ orgs: [org()] }));
    expect(loadConfig(file, {}, {}).orgs.map((o) => o.id)).toEqual(['00D000000000009']);
  });

  it('adds the demo org to a file that defines no orgs', () => {
    const file = tempFile('c.yaml', 'settings:\n  pollHoldSeconds: 5\n');
    const config = loadConfig(file, {}, {});
    expect(config.settings.pollHoldSeconds).toBe(5);
    expect(config.orgs.map((o) => o.id)).toEqual([DEMO_IDS.organizationId]);
  });

  it('reports the path of a bad field in a file', () => {
    const file = tempFile('bad.yaml', [
      'orgs:',
      '  - id: "00D000000000009"',
      '    deployments:',
      '      - id: "572000000000009"',
      '        buttons:',
      '          - id: "573000000000009"',
      '            routing: Random',
    ].join('\n'));
    try {
      loadConfig(file, {}, {});
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(file);
      expect((err as ConfigError).problems.some((p) => p.startsWith('/orgs/0/deployments/0/buttons/0/routing'))).toBe(true);
    }
  });
});

describe('portFrom', () => {
  it('reads ports and rejects the rest', () => {
    expect(portFrom('0', 'PORT')).toBe(0);
    expect(portFrom('65535', 'PORT')).toBe(65535);
    expect(() => portFrom('8080x', 'PORT')).toThrow(/PORT: 8080x is not a port number/);
  });

  it.each(['', ' ', '0x1F90', '1e3'])('%j is not a port number (not port 0 or a hex/exponent reading)', (text) => {
    expect(() => portFrom(text, '--port')).toThrow(ConfigError);
  });
});

describe('fileTransfer from the environment', () => {
  it('reads the size limit and the bytes in flight; defaults 10 MiB and 64 MiB', () => {
    const d = loadConfig(undefined, {}, {}).fileTransfer;
    expect([d.maxBytes, d.maxBytesInFlight]).toEqual([10 * 1024 * 1024, 64 * 1024 * 1024]);
    const c = loadConfig(undefined, { SWITCHBOARD_FILE_TRANSFER_MAX_BYTES: '2048', SWITCHBOARD_FILE_TRANSFER_MAX_BYTES_IN_FLIGHT: '8192' }, {}).fileTransfer;
    expect([c.maxBytes, c.maxBytesInFlight]).toEqual([2048, 8192]);
    expect(problemsOf(() => loadConfig(undefined, { SWITCHBOARD_FILE_TRANSFER_MAX_BYTES_IN_FLIGHT: '0' }, {}))).toEqual([expect.stringMatching(/maxBytesInFlight/)]);
  });
});
