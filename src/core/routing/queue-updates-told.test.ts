/**
 * What a waiting visitor was last told, read back from its log at a restart: the last
 * ChatRequestSuccess or QueueUpdate, unless an agent took the chat after it.
 */
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../ports/records.js';
import { lastToldInLog } from './queue-updates-told.js';

const at = (offset: number, type: string, data: Record<string, unknown> = {}): LogEvent => ({ sessionId: 's', offset, vseq: offset, type, actor: 'system', at: offset, data });

describe('lastToldInLog', () => {
  it('is the last place and estimate told', () => {
    expect(lastToldInLog([at(1, 'ChatRequestSuccess', { queuePosition: 3, estimatedWaitTime: 12 })])).toEqual({ position: 3, estimatedWaitTime: 12 });
    expect(lastToldInLog([at(1, 'ChatRequestSuccess', { queuePosition: 3, estimatedWaitTime: 12 }), at(2, 'QueueUpdate', { position: 2, estimatedWaitTime: 8 })])).toEqual({ position: 2, estimatedWaitTime: 8 });
  });

  it('is nothing once an agent took the chat, until it is told again', () => {
    const taken = [at(1, 'ChatRequestSuccess', { queuePosition: 1, estimatedWaitTime: 4 }), at(2, 'ChatEstablished'), at(3, 'AgentDisconnect')];
    expect(lastToldInLog(taken)).toBeNull();
    expect(lastToldInLog([...taken, at(4, 'QueueUpdate', { position: 1, estimatedWaitTime: 4 })])).toEqual({ position: 1, estimatedWaitTime: 4 });
    expect(lastToldInLog([])).toBeNull();
  });
});
