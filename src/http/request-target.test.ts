/** Absolute-form request targets read as their path (request-target.ts); over real sockets in test/protocol/http-edges.test.ts. */
import { describe, expect, it } from 'vitest';
import { originForm } from './request-target.js';

describe('originForm', () => {
  it.each([
    ['/chat/rest/System/Messages?ack=1', '/chat/rest/System/Messages?ack=1'],
    ['http://127.0.0.1:8080/chat/rest/System/Messages?ack=1', '/chat/rest/System/Messages?ack=1'],
    ['HTTPS://chat.example.com/chat/rest/Visitor/Availability', '/chat/rest/Visitor/Availability'],
    ['http://user@chat.example.com:443/a/b', '/a/b'],
    ['http://chat.example.com', '/'],
    ['http://chat.example.com?x=1', '/?x=1'],
    ['*', '*'],
    ['ftp://chat.example.com/a', 'ftp://chat.example.com/a'],
    ['chat.example.com:443', 'chat.example.com:443'],
  ])('%s → %s', (target, expected) => {
    expect(originForm(target)).toBe(expected);
  });
});
