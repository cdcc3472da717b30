// What compressing an agent answer costs and saves (ADR 0057): a 1000-event transcript page, as the
// server answers it, compressed with brotli at a few qualities and gzip, against sending it as it is.
// CPU per answer is the process's user + system time over many compressions (zlib's one-shot sync
// calls: the same work the plugin's stream does in the zlib pool), in rounds that alternate the
// codings so that drift of the machine falls on all alike; the median round counts. Bytes and ratios
// come from the same run. For scale, the CPU of producing the page (fastify inject of the route).
//
// The chat: a demo-bot chat in which the visitor sends 500 messages of made-up prose (a seeded word
// list, so every run has the same text) and the bot echoes each; a page holds 1000 of its events.
// Uses the built server (npm run build first).
//
//   node bench/diagnostics/compression-quality.mjs [answers per round] [rounds]
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import pino from 'pino';
import { FakeClock } from '../../dist/src/adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../../dist/src/adapters/memory/memory-chat-store.js';
import { DEMO_IDS, demoOrg } from '../../dist/src/config/demo-deployment.js';
import { validateConfig } from '../../dist/src/config/load-config.js';
import { createSwitchboard } from '../../dist/src/main.js';

const [perRoundArg = '40', roundsArg = '7'] = process.argv.slice(2);
const perRound = Number(perRoundArg);
const rounds = Number(roundsArg);

const WORDS = ('hello thanks order delivery refund account password invoice shipping tracking number address payment card '
  + 'please could you check when will my parcel arrive the it is was not yet still waiting since monday tuesday friday '
  + 'sorry about that let me look into this for you one moment I see your request has been updated today tomorrow '
  + 'email phone reset link sent again wrong item size colour return label printer store pickup can we change').split(' ');
let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const sentence = () => Array.from({ length: 4 + Math.floor(random() * 18) }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');

async function transcriptPage() {
  const config = validateConfig({ storage: { kind: 'memory' }, orgs: [JSON.parse(JSON.stringify(demoOrg))] }, 'bench');
  const sb = await createSwitchboard(config, { clock: new FakeClock(), store: new MemoryChatStore(), logger: pino({ level: 'silent' }) });
  const version = { 'x-liveagent-api-version': '34' };
  const sid = (await sb.app.inject({ method: 'GET', url: '/chat/rest/System/SessionId', headers: { ...version, 'x-liveagent-affinity': 'null' } })).json();
  const headers = (seq) => ({ ...version, 'x-liveagent-session-key': sid.key, 'x-liveagent-affinity': sid.affinityToken, 'x-liveagent-sequence': String(seq), 'content-type': 'application/json' });
  await sb.app.inject({ method: 'POST', url: '/chat/rest/Chasitor/ChasitorInit', headers: headers(1), payload: { organizationId: DEMO_IDS.organizationId, deploymentId: DEMO_IDS.deploymentId, buttonId: DEMO_IDS.botButtonId, sessionId: sid.id, visitorName: 'Ada' } });
  for (let i = 0, seq = 2; i < 500; i += 50, seq++) {
    const nouns = Array.from({ length: 50 }, () => ({ prefix: 'Chasitor', noun: 'ChatMessage', object: { text: sentence() } }));
    await sb.app.inject({ method: 'POST', url: '/chat/rest/System/MultiNoun', headers: headers(seq), payload: { nouns } });
  }
  while ((sb.engine.sessions.get(sid.id)?.record.lastOffset ?? 0) <= 1000) await new Promise((r) => setTimeout(r, 20));
  await sb.bots[0].idle();
  const { accessToken } = (await sb.app.inject({ method: 'POST', url: '/agent/v1/auth/login', payload: { username: 'supervisor', password: 'supervisor-demo' } })).json();
  const get = () => sb.app.inject({ method: 'GET', url: `/agent/v1/chats/${sid.id}/transcript?limit=1000`, headers: { authorization: `Bearer ${accessToken}` } });
  const page = (await get()).rawPayload;
  const events = JSON.parse(page.toString('utf8')).events.length;
  // Producing the page (auth, store read, serialization, inject's own overhead): the scale to set the codings' CPU against.
  const produce = async () => { for (let i = 0; i < perRound; i++) await get(); };
  return { page, events, produce, stop: () => sb.stop() };
}

const brotli = (quality) => (buf) => brotliCompressSync(buf, { params: { [zlib.BROTLI_PARAM_QUALITY]: quality, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT, [zlib.BROTLI_PARAM_SIZE_HINT]: buf.length } });
const CODINGS = [
  ['none', (buf) => buf],
  ['gzip 1', (buf) => gzipSync(buf, { level: 1 })],
  ['gzip 6', (buf) => gzipSync(buf, { level: 6 })],
  ['br 1', brotli(1)],
  ['br 4', brotli(4)],
  ['br 5', brotli(5)],
  ['br 6', brotli(6)],
  ['br 9', brotli(9)],
  ['br 11', brotli(11)],
];

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { page, events, produce, stop } = await transcriptPage();
const perAnswer = new Map([['produce the page', []], ...CODINGS.map(([name]) => [name, []])]);
const bytes = new Map(CODINGS.map(([name, fn]) => [name, fn(page).length]));
for (let r = 0; r < rounds; r++) {
  // Rotated each round, so no coding always runs first (or after the slowest).
  const order = [...CODINGS.slice(r % CODINGS.length), ...CODINGS.slice(0, r % CODINGS.length)];
  for (const [name, fn] of order) {
    const t = cpuMs();
    for (let i = 0; i < perRound; i++) fn(page);
    perAnswer.get(name).push((cpuMs() - t) / perRound);
  }
  const t = cpuMs();
  await produce();
  perAnswer.get('produce the page').push((cpuMs() - t) / perRound);
}
await stop();

const raw = page.length;
console.log(`transcript page: ${events} events, ${raw} bytes of JSON; ${rounds} rounds of ${perRound} answers, median round; node ${process.version}`);
console.log('');
console.log('| coding | bytes | ratio (raw / coded) | CPU ms per answer | CPU ms per answer / producing it |');
console.log('|---|---:|---:|---:|---:|');
const produceMs = median(perAnswer.get('produce the page'));
console.log(`| (producing the page) | ${raw} | | ${produceMs.toFixed(3)} | 1.00 |`);
for (const [name] of CODINGS) {
  const ms = median(perAnswer.get(name));
  console.log(`| ${name} | ${bytes.get(name)} | ${(raw / bytes.get(name)).toFixed(2)} | ${ms.toFixed(3)} | ${(ms / produceMs).toFixed(2)} |`);
}
