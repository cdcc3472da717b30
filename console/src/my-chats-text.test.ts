import { describe, expect, it } from 'vitest';
import { myChatsLabel, noChatsText, pageTitle } from './my-chats-text.ts';

describe('My chats text', () => {
  it('with no chat, says what fits the presence: online waits for offers, away and offline go online', () => {
    expect(noChatsText('online')).toBe('No chats yet. You are online: waiting for chat offers.');
    expect(noChatsText('away')).toBe('No chats yet. Go online to receive chat offers.');
    expect(noChatsText('offline')).toBe('No chats yet. Go online to receive chat offers.');
  });

  it('names the unread count in the button and the title, and nothing with none', () => {
    expect(myChatsLabel(0)).toBe('My chats');
    expect(myChatsLabel(2)).toBe('My chats, 2 unread');
    expect(pageTitle('Switchboard agent console', 0)).toBe('Switchboard agent console');
    expect(pageTitle('Switchboard agent console', 3)).toBe('(3) Switchboard agent console');
  });
});
