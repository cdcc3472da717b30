import { describe, expect, it } from 'vitest';
import { offerText } from './offer-text.ts';

describe('offer text', () => {
  it('names a new chat, a transfer and a conference invitation as what they are, everywhere', () => {
    expect(offerText({ visitorName: 'Vera Visitor', transfer: false })).toEqual({
      headingPrefix: 'New chat: ', label: 'Chat offer from Vera Visitor', announcement: 'New chat offer from Vera Visitor', notification: 'Chat offer: Vera Visitor',
    });
    expect(offerText({ visitorName: 'Vera Visitor', transfer: true })).toEqual({
      headingPrefix: 'Transfer: ', label: 'Transfer offer: chat with Vera Visitor', announcement: 'New transfer offer: chat with Vera Visitor', notification: 'Transfer offer: Vera Visitor',
    });
    expect(offerText({ visitorName: 'Vera Visitor', transfer: false, conference: { from: '005', fromName: 'Alex Agent' } })).toEqual({
      headingPrefix: 'Conference with Alex Agent: ',
      label: 'Conference invitation from Alex Agent: chat with Vera Visitor',
      announcement: 'New conference invitation from Alex Agent: chat with Vera Visitor',
      notification: 'Conference invitation: Vera Visitor',
    });
  });

  it('says "a visitor" for one who gave no name', () => {
    expect(offerText({ transfer: true }).label).toBe('Transfer offer: chat with a visitor');
    expect(offerText({ visitorName: '', transfer: false }).announcement).toBe('New chat offer from a visitor');
  });
});
