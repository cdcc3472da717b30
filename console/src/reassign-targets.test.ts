/**
 * The supervisor's Reassign list offers only agents the server takes a chat for (not offline,
 * not the chat's holder, not the supervisor: Take over is theirs), and a refusal reads in words.
 */
import { describe, expect, it } from 'vitest';
import { reassignFailure, reassignTargets, type OverviewAgent } from './reassign-targets.ts';

const agents: OverviewAgent[] = [
  { id: 'a1', name: 'Alex Agent', presence: 'online', load: 1, capacity: 3 },
  { id: 'a2', name: 'Blair Agent', presence: 'offline', load: 0, capacity: 3 },
  { id: 'a3', name: 'Casey Agent', presence: 'away', load: 0, capacity: 3 },
  { id: 's1', name: 'Sam Supervisor', presence: 'online', load: 0, capacity: 0 },
];

describe('reassign targets', () => {
  it('leaves out offline agents, the holder and the supervisor', () => {
    expect(reassignTargets(agents, 'a1', 's1')).toEqual([{ id: 'a3', name: 'Casey Agent (away, 0/3)' }]);
  });

  it('a chat nobody holds yet: every agent who is there', () => {
    expect(reassignTargets(agents, null, 's1').map((a) => a.id)).toEqual(['a1', 'a3']);
  });
});

describe('a refused reassign, in words', () => {
  const refused = (body: string) => Object.assign(new Error(`POST /agent/v1/chats/x/reassign: 409 ${body}`), { status: 409, body });

  it('names the agent, never the route or an id', () => {
    const text = reassignFailure(refused('{"error":"CONFLICT","message":"agent a2 is offline"}'), 'Blair Agent');
    expect(text).toBe('Not reassigned: Blair Agent is offline now. Choose an agent who is online or away.');
    expect(reassignFailure(refused('the chat is already with a1'), 'Alex Agent')).toBe('Not reassigned: the chat is already with Alex Agent.');
    expect(reassignFailure(refused('chat is not active'), 'Alex Agent')).not.toMatch(/409|\/agent\/v1/);
  });
});
