import { describe, expect, it } from 'vitest';
import { disconnectedBy, postChatHref, type PostChatContext } from './post-chat-link.js';

const ctx: PostChatContext = { chatId: '6f1c2a3b-0000-4000-8000-000000000001', deploymentId: '572000000000001', buttonId: '573000000000001', disconnectedBy: 'client', lang: 'pt-BR' };
const PAGE = 'https://shop.example.com/help/faq?x=1';

function params(href: string | null): Record<string, string> {
  expect(href).not.toBeNull();
  return Object.fromEntries(new URL(href ?? '').searchParams);
}

describe('postChatHref', () => {
  it('adds the chat id, deployment, button, how it ended and the language to the query', () => {
    const href = postChatHref('https://survey.example.com/chat', ctx, PAGE);
    expect(href).toBe('https://survey.example.com/chat?chatId=6f1c2a3b-0000-4000-8000-000000000001&deploymentId=572000000000001&buttonId=573000000000001&disconnectedBy=client&windowLanguage=pt-BR');
  });

  it('keeps the URL’s own query and fragment, and replaces a parameter of the same name', () => {
    const href = postChatHref('https://survey.example.com/s?campaign=chat&buttonId=old#top', ctx, PAGE);
    expect(href?.endsWith('#top')).toBe(true);
    expect(params(href)).toMatchObject({ campaign: 'chat', buttonId: '573000000000001' });
    expect(new URL(href ?? '').searchParams.getAll('buttonId')).toEqual(['573000000000001']);
  });

  it('encodes what it adds', () => {
    expect(params(postChatHref('https://survey.example.com/', { ...ctx, lang: 'x&y=z' }, PAGE))['windowLanguage']).toBe('x&y=z');
  });

  it('never carries the session key, only the id: no chatKey, and no chatId when there was no session', () => {
    const p = params(postChatHref('https://survey.example.com/', { ...ctx, chatId: undefined }, PAGE));
    expect(Object.keys(p).sort()).toEqual(['buttonId', 'deploymentId', 'disconnectedBy', 'windowLanguage']);
  });

  it('takes http as well as https, and a relative URL relative to the page the widget is on', () => {
    expect(postChatHref('http://127.0.0.1:8080/survey', ctx, PAGE)?.startsWith('http://127.0.0.1:8080/survey?chatId=')).toBe(true);
    expect(postChatHref('/thanks', ctx, PAGE)?.startsWith('https://shop.example.com/thanks?chatId=')).toBe(true);
    expect(postChatHref('//survey.example.com/x', ctx, PAGE)?.startsWith('https://survey.example.com/x?')).toBe(true);
  });

  it('gives no link for an empty postChatUrl (the operator shows none)', () => {
    expect(postChatHref('', ctx, PAGE)).toBeNull();
    expect(postChatHref('   ', ctx, PAGE)).toBeNull();
  });

  it('gives no link for a scheme other than http(s): javascript:, in any case or spacing, data:, mailto:, file:', () => {
    for (const url of ['javascript:alert(1)', 'JavaScript:alert(1)', '  javascript:alert(1)', 'java\tscript:alert(1)', 'javascript://survey.example.com/%0Aalert(1)',
      'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)', 'mailto:help@example.com', 'file:///etc/passwd', 'ftp://example.com/']) {
      expect(postChatHref(url, ctx, PAGE), url).toBeNull();
    }
  });

  it('gives no link for what is not a URL', () => {
    expect(postChatHref('https://', ctx, PAGE)).toBeNull();
    expect(postChatHref('http://exa mple.com/', ctx, PAGE)).toBeNull();
  });
});

describe('disconnectedBy', () => {
  it('names the end as Live Agent’s post-chat page did', () => {
    expect(disconnectedBy('ended', 'client')).toBe('client');
    expect(disconnectedBy('ended', 'agent')).toBe('agent');
    expect(disconnectedBy('ended', 'chasitorIdleTimeout')).toBe('clientIdleTimeout');
    expect(disconnectedBy('ended', 'session')).toBe('error');
    expect(disconnectedBy('failed', 'Unavailable')).toBe('agentsUnavailable');
    expect(disconnectedBy('failed', '')).toBe('agentsUnavailable');
    expect(disconnectedBy('failed', 'network')).toBe('error');
    expect(disconnectedBy('failed', 'InternalFailure')).toBe('error');
  });
});
