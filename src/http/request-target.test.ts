/**
 * Absolute-form request targets read as their path, and visitor paths with doubled or trailing
 * slashes as their single-slash form (request-target.ts); over real sockets in test/protocol/http-edges.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { originForm, routedTarget, visitorTarget } from './request-target.js';

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

describe('visitorTarget', () => {
  it.each([
    ['/chat/rest//System/SessionId', '/chat/rest/System/SessionId'],
    ['/chat/rest/System/SessionId/', '/chat/rest/System/SessionId'],
    ['/chat/rest/System/SessionId//', '/chat/rest/System/SessionId'],
    ['//chat/rest/System/SessionId', '/chat/rest/System/SessionId'],
    ['/chat//rest///System//Messages/?ack=1//2', '/chat/rest/System/Messages?ack=1//2'],
    ['/chat/rest/Visitor/Availability/?org_id=a&u=http://x/', '/chat/rest/Visitor/Availability?org_id=a&u=http://x/'],
    ['/chat/rest/System/SessionId//a%2F%2Fb', '/chat/rest/System/SessionId/a%2F%2Fb'],
    ['/chat/rest/', '/chat/rest/'],
    ['/chat/rest//', '/chat/rest/'],
    // Not the visitor API: left as it came.
    ['/chat/rest', '/chat/rest'],
    ['/chat/restx//a', '/chat/restx//a'],
    ['/Chat/Rest//System/SessionId', '/Chat/Rest//System/SessionId'],
    ['/agent/v1//chats/', '/agent/v1//chats/'],
    ['//evil.example/chat/rest/System/SessionId', '//evil.example/chat/rest/System/SessionId'],
    ['/console/', '/console/'],
    ['/', '/'],
    ['*', '*'],
  ])('%s → %s', (target, expected) => {
    expect(visitorTarget(target)).toBe(expected);
  });

  it('returns the same string when nothing changes (the usual request allocates nothing)', () => {
    const target = `/chat/rest/System/Messages?ack=${3}`;
    expect(visitorTarget(target)).toBe(target);
  });

  it('routedTarget: the origin form first, then the slashes', () => {
    expect(routedTarget('http://chat.example.com//chat/rest/System/SessionId/')).toBe('/chat/rest/System/SessionId');
    expect(routedTarget('http://chat.example.com/agent//x/')).toBe('/agent//x/');
  });
});
