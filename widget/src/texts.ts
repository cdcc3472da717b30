/**
 * Every word the widget shows or says to a screen reader, in one table (ADR 0053).
 *
 * A message is a template: `{name}` placeholders are filled when it is used, and a
 * message that counts (`{n}`) may be a set of plural forms, picked with
 * Intl.PluralRules for the widget's language. English is the source: its keys are
 * the keys of every translation and of a site's `data-texts` overrides, and its
 * placeholders give each text its type (`Texts`): a plain string, or a function of
 * the values it names. Filled values are never scanned again, and every text goes
 * into the page as a text node, never as HTML (dom.ts).
 */

/** Forms of a counting message by plural category; `other` is the one every language has. */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
export type Message = string | PluralForms;

export const EN = {
  title: 'Chat with us',
  launcherOffline: '{title} (offline)',
  unread: '{n} new',
  downloadTranscript: 'Download transcript',
  endChat: 'End chat',
  endChatConfirm: 'End this chat?',
  endChatYes: 'End',
  keepChatting: 'Keep chatting',
  minimize: 'Minimize chat',
  offline: 'Nobody is available to chat right now. Please try again later.',
  messages: 'Chat messages',
  message: 'Message',
  placeholder: 'Type a message…',
  send: 'Send',
  newChat: 'Start a new chat',
  you: 'You',
  agent: 'Agent',
  prechatIntro: 'Tell us a little about yourself to start the chat.',
  prechatIntroEmpty: 'Start a chat with us.',
  required: '{label} (required)',
  startChat: 'Start chat',
  fillRequired: 'Please fill in the required fields.',
  invalidEmail: 'Enter a valid email address, such as name@example.com.',
  checkField: 'Please check the highlighted field.',
  unreachable: 'The chat service cannot be reached right now. Retrying…',
  connectingService: 'Connecting to the chat service…',
  online: 'We are online.',
  offlineStatus: 'We are offline.',
  connecting: 'Connecting…',
  chatRequested: 'Chat requested',
  waitingForAgent: 'Waiting for an agent…',
  waitingForYourAgent: 'Waiting for your agent to answer.',
  nextInLine: 'You are next in line (position 1).',
  placeInLine: 'You are number {n} in line.',
  estimatedWait: 'Estimated wait: {wait}.',
  lessThanAMinute: 'less than a minute',
  aboutMinutes: { one: 'about {n} minute', other: 'about {n} minutes' },
  chattingWith: 'You are chatting with {name}.',
  joined: '{name} joined the chat',
  typing: '{name} is typing…',
  /** Two or more agents of a conference typing at once (ADR 0051). */
  typingSeveral: 'Several agents are typing…',
  newMessage: 'New message from {name}: {text}',
  transferred: 'Chat transferred to {name}',
  agentLeft: '{name} left the chat; waiting for another agent',
  /** A conference's agent who left while the holder stays (ADR 0051). */
  conferenceLeft: '{name} left the chat',
  /** Who joined or left a conference when the server gave no name. */
  someAgent: 'An agent',
  waitingForAnother: 'Waiting for another agent…',
  ended: 'The chat has ended.',
  youEnded: 'You ended the chat.',
  nobodyAvailable: 'Sorry, nobody is available right now. Please try again later.',
  couldNotContinue: 'The chat could not continue ({reason}).',
  postChatSurvey: 'Tell us how we did',
  postChatMessage: 'Leave us a message',
  opensInNewTab: '(opens in a new tab)',
  connectionLost: 'Connection lost. Reconnecting…',
  connectionRestored: 'Connection restored.',
  fileAsked: '{name} asked for a file',
  fileAskedHint: '{name} asked for a file. Choose one above the message box and press Upload.',
  fileUnasked: '{name} no longer asks for a file',
  fileSent: 'Sent a file: {file} ({size})',
  fileRequest: 'The agent asked for a file',
  chooseFile: 'Choose a file',
  upload: 'Upload',
  uploadingLabel: 'Uploading',
  chooseFileFirst: 'Choose a file first.',
  uploadingFile: 'Uploading {file}…',
  serverBusy: 'Server busy, trying again…',
  tooManyUploads: 'Too many uploads for now, trying again…',
  tooLargeMax: 'That file is too large, max {size}. Choose a smaller one.',
  tooLarge: 'That file is too large. Choose a smaller one.',
  fileEmpty: 'That file is empty. Choose another one.',
  fileNoLongerAsked: 'The agent no longer asks for a file.',
  fileAlreadySent: 'A file was already sent for this request.',
  filesDisabled: 'Files cannot be sent here.',
  uploadsBusy: 'The server is busy with other uploads. Try again in a minute.',
  uploadFailed: 'The upload failed ({reason}). Try again.',
  uploadLost: 'The upload failed: the connection was lost. Try again.',
  bytes: { one: '{n} byte', other: '{n} bytes' },
  kilobytes: '{n} KB',
  megabytes: '{n} MB',
  /** The offline message form (ADR 0063), shown instead of `offline` where the button takes messages. */
  leaveMessageIntro: 'No one can chat right now. Leave us a message and we will reply by email.',
  yourName: 'Your name',
  email: 'Email',
  subject: 'Subject',
  sendMessage: 'Send message',
  messageSent: 'Thank you. Your message was sent; we will reply by email.',
  messageNotSent: 'Your message could not be sent. Please try again later.',
  tooManyMessages: 'Too many messages for now. Please try again in a minute.',
  /** A visitor's message not confirmed by the server yet (a slow or lost connection, or waiting for an agent). */
  sending: 'Sending…',
  /** The server refused a visitor's message; the text is back in the message box. */
  notSent: 'Not sent.',
  /** Under the message box while its text is over the server's limit, and after "Not sent." when the server said it was. */
  maxLength: 'A message can have at most {n} characters.',
  /** The chat ended while the message waited to go out (a network outage): the server never took it. */
  notDelivered: 'Not delivered: the chat had ended.',
  /** ChasitorIdleTimeoutWarningEvent: the chat ends soon (at the button's timeout) unless the visitor writes. */
  idleWarning: 'Are you still there? Send a message, or the chat will end soon.',
  /** The chasitor idle timeout ended the chat (ChatEnded reason chasitorIdleTimeout). */
  endedIdle: 'The chat ended because you were inactive.',
  transcriptTitle: '{title} — chat transcript',
  transcriptDate: 'Date: {date}',
} as const;

export type TextKey = keyof typeof EN;

/** A complete table: a bundled translation must give every text (a new key fails the type check until it does). */
export type Translation = Record<TextKey, Message>;
/** A site's or a test's replacements: any texts, the rest come from the translation. */
export type TextOverrides = Partial<Translation>;

type Vars<S> = S extends `${string}{${infer V}}${infer Rest}` ? V | Vars<Rest> : never;
type VarsOf<M> = M extends string ? Vars<M> : M extends { other: infer O } ? Vars<O> : never;
type Values<V extends string> = { [K in V]: K extends 'n' ? number : string | number };

/** The texts as the widget uses them: a string, or for a text with placeholders a function of their values. */
export type Texts = {
  readonly [K in TextKey]: [VarsOf<(typeof EN)[K]>] extends [never] ? string : (values: Values<VarsOf<(typeof EN)[K]>>) => string;
};

const PLACEHOLDER = /\{(\w+)\}/g;

function source(m: Message): string {
  return typeof m === 'string' ? m : m.other;
}

/** The placeholders the English text of `key` names (a set: the values a caller passes). */
function placeholders(key: TextKey): Set<string> {
  return new Set([...source(EN[key]).matchAll(PLACEHOLDER)].map((m) => m[1] ?? ''));
}

/**
 * The texts in `lang`: English, then each table in turn (a translation, a site's
 * overrides) replacing what it gives. Plural forms are picked for `lang`.
 */
export function buildTexts(lang: string, ...tables: TextOverrides[]): Texts {
  // A tag the browser cannot read (a site's data-lang) counts and writes numbers as English does.
  let rules: Intl.PluralRules;
  let numbers: Intl.NumberFormat;
  try {
    rules = new Intl.PluralRules(lang);
    numbers = new Intl.NumberFormat(lang, { useGrouping: false });
  } catch {
    rules = new Intl.PluralRules('en');
    numbers = new Intl.NumberFormat('en', { useGrouping: false });
  }
  // Numbers are written as the language writes them ("1,5" in German), ungrouped ("1024", not "1,024").
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(EN) as TextKey[]) {
    let m: Message = EN[key];
    for (const t of tables) m = t[key] ?? m;
    const chosen = m;
    out[key] = placeholders(key).size === 0
      ? source(chosen)
      : (values: Record<string, string | number>): string => {
        const n = values['n'];
        const text = typeof chosen === 'string' ? chosen : (typeof n === 'number' ? chosen[rules.select(n)] : undefined) ?? chosen.other;
        // One pass: a filled value (an agent's name, a file name) is never read as a placeholder.
        return text.replace(PLACEHOLDER, (all, name: string) => {
          const v = values[name];
          return v === undefined ? all : typeof v === 'number' ? numbers.format(v) : v;
        });
      };
  }
  return out as Texts;
}

const CATEGORIES: ReadonlySet<string> = new Set(['zero', 'one', 'two', 'few', 'many', 'other']);

function isPluralForms(v: unknown): v is PluralForms {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const entries = Object.entries(v);
  return typeof (v as { other?: unknown }).other === 'string' && entries.every(([k, s]) => CATEGORIES.has(k) && typeof s === 'string');
}

/**
 * A site's `data-texts` attribute: JSON `{key: text}`. A text is a string, or for a text that
 * counts (`{n}`) plural forms `{"one": …, "other": …}`. What is not JSON, an unknown key or a
 * value of the wrong type is left out with a warning: a typo must not take the widget down.
 */
export function parseTextOverrides(json: string | undefined, warn: (message: string) => void = (m) => console.warn(`[switchboard] ${m}`)): TextOverrides {
  if (json === undefined || json.trim() === '') return {};
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    warn('data-texts is not JSON; it is ignored');
    return {};
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    warn('data-texts must be a JSON object {key: text}; it is ignored');
    return {};
  }
  const out: Record<string, Message> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!Object.prototype.hasOwnProperty.call(EN, key)) {
      warn(`data-texts: unknown key "${key}" ignored`);
    } else if (typeof value === 'string' || (isPluralForms(value) && placeholders(key as TextKey).has('n'))) {
      out[key] = value;
    } else {
      warn(`data-texts: "${key}" must be ${placeholders(key as TextKey).has('n') ? 'a string or plural forms {"one": …, "other": …}' : 'a string'}; ignored`);
    }
  }
  return out;
}
