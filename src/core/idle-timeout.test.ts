/**
 * The chasitor idle timeout while a chat is away from its agent: suspended when
 * it is queued (a transfer, an agent who dropped), resumed with the button the
 * chat is routed through then when a transfer fails, dropped when a new agent
 * takes it or the visitor answers meanwhile. Fake clock, no engine.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../adapters/memory/fake-clock.js';
import type { ButtonConfig } from '../config/config-schema.js';
import type { ChatSession } from './chat-session.js';
import { IdleTimeouts } from './idle-timeout.js';

type Idle = ButtonConfig['chasitorIdleTimeout'];

function setUp(idle: Idle) {
  const clock = new FakeClock();
  const start = clock.now();
  const said: string[] = [];
  const host = {
    idle,
    buttonFor: () => ({ chasitorIdleTimeout: host.idle }) as ButtonConfig,
    warn: (_s: ChatSession, type: string) => { said.push(`${clock.now() - start} warn ${type}`); },
    expire: () => { said.push(`${clock.now() - start} end`); },
  };
  const timeouts = new IdleTimeouts(clock, host);
  const s = { id: 'chat-1' } as ChatSession;
  return { clock, said, host, timeouts, s };
}

const WARN_1_END_2: Idle = { isEnabled: true, warningTime: 1, timeout: 2 };
const WARN_5_END_10: Idle = { isEnabled: true, warningTime: 5, timeout: 10 };

describe('idle timeout while the chat is queued', () => {
  it('stops while suspended and counts again from the resume, with the button in force then', () => {
    const { clock, said, host, timeouts, s } = setUp(WARN_1_END_2);
    timeouts.armAfterAgentMessage(s);
    clock.advance(500);
    timeouts.suspend(s);
    clock.advance(5_000);
    expect(said).toEqual([]);
    // The chat's routing was put back to a button with other settings.
    host.idle = WARN_5_END_10;
    timeouts.resume(s);
    clock.advance(10_000);
    expect(said).toEqual(['10500 warn triggered', '15500 end']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a warning that fired before the suspension is not repeated after it', () => {
    const { clock, said, timeouts, s } = setUp(WARN_1_END_2);
    timeouts.armAfterAgentMessage(s);
    clock.advance(1_500);
    timeouts.suspend(s);
    timeouts.resume(s);
    clock.advance(2_000);
    expect(said).toEqual(['1000 warn triggered', '3500 end']);
  });

  it('a visitor message while suspended answers the agent: cleared if warned, nothing to resume', () => {
    const { clock, said, timeouts, s } = setUp(WARN_1_END_2);
    timeouts.armAfterAgentMessage(s);
    clock.advance(1_500);
    timeouts.suspend(s);
    timeouts.onVisitorMessage(s);
    timeouts.resume(s);
    clock.advance(5_000);
    expect(said).toEqual(['1000 warn triggered', '1500 warn cleared']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a new agent taking the chat drops a suspended count; a chat that was not counting resumes nothing', () => {
    const { clock, said, timeouts, s } = setUp(WARN_1_END_2);
    timeouts.armAfterAgentMessage(s);
    timeouts.suspend(s);
    timeouts.dropSuspended(s);
    timeouts.resume(s);
    const quiet = { id: 'chat-2' } as ChatSession;
    timeouts.suspend(quiet);
    timeouts.resume(quiet);
    clock.advance(5_000);
    expect(said).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('idle timeout while the visitor types (ADR 0072)', () => {
  it('typing starts the count again from then; a warning given is cleared first', () => {
    const { clock, said, timeouts, s } = setUp(WARN_5_END_10);
    timeouts.armAfterAgentMessage(s);
    clock.advance(3_000);
    timeouts.onVisitorTyping(s); // before the warning: nothing to clear
    clock.advance(6_000);
    expect(said).toEqual(['8000 warn triggered']);
    timeouts.onVisitorTyping(s); // after it: cleared, and ten more seconds
    clock.advance(9_999);
    expect(said).toEqual(['8000 warn triggered', '9000 warn cleared', '14000 warn triggered']);
    clock.advance(1);
    expect(said.at(-1)).toBe('19000 end');
  });

  it('typing while nothing counts (no unanswered agent message, or queued) starts nothing', () => {
    const { clock, said, timeouts, s } = setUp(WARN_1_END_2);
    timeouts.onVisitorTyping(s);
    clock.advance(5_000);
    expect(said).toEqual([]);
    timeouts.armAfterAgentMessage(s);
    timeouts.suspend(s);
    timeouts.onVisitorTyping(s);
    clock.advance(5_000);
    expect(said).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
  });
});
