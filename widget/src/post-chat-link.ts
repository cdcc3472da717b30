/**
 * The post-chat page: the button's `postChatUrl` (ChatRequestSuccess, ChatRequestFail,
 * ChasitorSessionData), which Live Agent's chat window went to when a chat ended or
 * could not start. The widget links to it instead (a new tab, the chat panel stays),
 * with query parameters a survey or a "leave us a message" form can use. They carry
 * Live Agent's names for the post-chat page's variables, so a page written for Live
 * Agent reads them as it did; the chat key is not among them: it is the session's
 * secret (ADR 0053, note "the post-chat page").
 */

/** How the chat ended, in the values of Live Agent's `disconnectedBy`. */
export type DisconnectedBy = 'agent' | 'client' | 'clientIdleTimeout' | 'agentsUnavailable' | 'error';

export interface PostChatContext {
  /** The session's `id` (System/SessionId), the agent API's `chatId`; absent when the widget never got a session. */
  chatId: string | undefined;
  deploymentId: string;
  buttonId: string;
  disconnectedBy: DisconnectedBy;
  /** The widget's language (a BCP 47 tag, ADR 0053). */
  lang: string;
}

/**
 * `disconnectedBy` for how the widget saw the chat end: `ended` with the SDK's `ended` reason
 * (`client` when the visitor pressed End), or `failed` with its `failed` reason.
 */
export function disconnectedBy(phase: 'ended' | 'failed', reason: string): DisconnectedBy {
  if (phase === 'failed') return reason === 'Unavailable' || !reason ? 'agentsUnavailable' : 'error';
  if (reason === 'agent' || reason === 'client') return reason;
  return reason === 'chasitorIdleTimeout' ? 'clientIdleTimeout' : 'error';
}

/**
 * The link to the post-chat page, or null for none: `postChatUrl` empty, not a URL, or of a
 * scheme other than http(s) (a `javascript:` URL from the config must never run in the page).
 * A relative URL is taken relative to `base`, the page the widget is on. The URL's own query
 * and fragment are kept; ours are added to the query (replacing any of the same name).
 */
export function postChatHref(postChatUrl: string, ctx: PostChatContext, base: string): string | null {
  if (!postChatUrl.trim()) return null;
  let url: URL;
  try {
    url = new URL(postChatUrl, base);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const q = url.searchParams;
  if (ctx.chatId) q.set('chatId', ctx.chatId);
  q.set('deploymentId', ctx.deploymentId);
  q.set('buttonId', ctx.buttonId);
  q.set('disconnectedBy', ctx.disconnectedBy);
  q.set('windowLanguage', ctx.lang);
  return url.href;
}
