/**
 * A visitor's NUL characters on PostgreSQL, end to end. PostgreSQL cannot hold NUL
 * in text, and refuses `\u0000` in JSON it processes (`::jsonb`, `->>`): a NUL that
 * reached a text column would fail its group commit, which is written again and
 * again (ADR 0016) while the store refuses every other chat's writes; one kept
 * inside JSON text would fail the first migration or query that reads that JSON
 * (migrations 0006 and 0008 backfill columns with `record::json ->> …`). NUL is
 * replaced where it comes in (U+FFFD), so neither can happen.
 */
import { describe, expect, it } from 'vitest';
import { OWNS_PROCESS, demoConfig, needsProcess, request, usePostgresServer } from './harness.js';
import { BOT_BUTTON, Visitor, expectOk } from './visitor.js';

const { server, database } = usePostgresServer('sb_nul', {}, demoConfig);
const FFFD = '\uFFFD';

describe.skipIf(!OWNS_PROCESS)(needsProcess('NUL in visitor text on PostgreSQL'), () => {
  it('NUL in every free-text field: accepted, stored as U+FFFD, every commit and every JSON read succeeds, also after a restart', async () => {
    const v = new Visitor(server);
    await v.createSession();
    expectOk(await v.init(v.initBody(BOT_BUTTON, {
      visitorName: 'Jo\u0000n', userAgent: 'UA\u0000', visitorId: 'visitor\u0000pg',
      prechatDetails: [{ label: 'E-mail\u0000', value: 'jon\u0000@example.com', entityMaps: [{ fieldName: 'Email\u0000' }] }],
      visitorInfo: { 'page\u0000': 'home\u0000' },
    })), 'ChasitorInit');
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatEstablished'), 'ChatEstablished');
    expectOk(await v.post('Chasitor/ChasitorSneakPeek', { position: 2, text: 'h\u0000' }), 'ChasitorSneakPeek');
    expectOk(await v.post('Chasitor/CustomEvent', { type: 'cart\u0000', data: { 'item\u0000': 'x\u0000' } }), 'CustomEvent');
    expectOk(await v.post('Chasitor/ChasitorResyncState', { organizationId: 'org\u0000' }, { sequence: null }), 'ChasitorResyncState');
    expectOk(await server.req('POST', 'Visitor/Breadcrumb', { headers: v.headers(), body: { location: 'https://x.example/\u0000' } }), 'Breadcrumb');
    await v.say('a\u0000b');
    expect(await v.awaitEchoes(['a'])).toEqual([`a${FFFD}b`]);
    expect((await request(server.baseUrl, 'GET', '/readyz')).status, 'the store takes writes').toBe(200);

    // What a migration's backfill or an operator's query does with the JSON columns: no row refuses it.
    const sessions = await database.query<{ state: string; name: string }>("select record::json ->> 'chatState' as state, request::jsonb ->> 'visitorName' as name from sessions");
    expect(sessions.map((s) => s.name)).toContain(`Jo${FFFD}n`);
    const events = await database.query<{ n: number }>('select count(*)::int as n from events where data::jsonb is not null');
    expect(events[0]!.n).toBeGreaterThan(5);
    expect(await database.query("select type from events where data like '%\\u0000%'")).toEqual([]);
    expect(await database.query('select location, visitor_id from breadcrumbs')).toEqual([{ location: `https://x.example/${FFFD}`, visitor_id: `visitor${FFFD}pg` }]);

    // And the store gives the chat back after a restart.
    await server.restart();
    await v.say('after the restart');
    expect(await v.awaitEchoes(['a', 'after the restart'])).toEqual([`a${FFFD}b`, 'after the restart']);
  });
});
