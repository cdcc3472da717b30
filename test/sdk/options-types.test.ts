/**
 * The SDK's option types refuse what cannot work (checked by the typecheck that `npm test`
 * runs: an `@ts-expect-error` with no error under it fails it), and a client built with
 * a wrong WebSocket still says so at run time, for JavaScript callers.
 */
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { AgentClient, type AgentClientOptions } from '../../packages/sdk/src/index.js';

describe('AgentClientOptions.WebSocket', () => {
  it('takes the ws package\'s class and the global one, and no other value', () => {
    const withWs: AgentClientOptions = { baseUrl: 'http://127.0.0.1:9', WebSocket };
    // The browser's (Node 20 has the global only behind a flag: typed, not run).
    const withGlobal = (): AgentClientOptions => ({ baseUrl: 'http://127.0.0.1:9', WebSocket: globalThis.WebSocket });
    // @ts-expect-error a number is no WebSocket class
    const withNumber: AgentClientOptions = { baseUrl: 'http://127.0.0.1:9', WebSocket: 42 };
    // @ts-expect-error a class without send/close/readyState is none either
    const withDate: AgentClientOptions = { baseUrl: 'http://127.0.0.1:9', WebSocket: Date };
    expect(typeof withGlobal).toBe('function');
    expect([withWs, withNumber, withDate].map((o) => typeof o.WebSocket)).toEqual(['function', 'number', 'function']);
    expect(new AgentClient(withWs)).toBeInstanceOf(AgentClient);
  });
});
