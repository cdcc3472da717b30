import { describe, expect, it } from 'vitest';
import { agentsTypingText } from './agents-typing.ts';

describe('agents typing text', () => {
  it('names one agent, says "several" for two or more, and nothing for none', () => {
    expect(agentsTypingText([])).toBe('');
    expect(agentsTypingText(['Ana Agent'])).toBe('Ana Agent is typing…');
    expect(agentsTypingText([''])).toBe('Another agent is typing…');
    expect(agentsTypingText(['Ana Agent', 'Bo Agent'])).toBe('Several agents are typing…');
    expect(agentsTypingText(['Ana Agent', 'Bo Agent', 'Cy Agent'])).toBe('Several agents are typing…');
  });
});
