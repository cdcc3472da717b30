/**
 * The transcript the visitor can download: plain text built in the browser from
 * what the widget showed, so it needs no server call and no e-mail address.
 */
import type { Texts } from './texts.js';

export interface TranscriptLine {
  at: Date;
  /** Who wrote it; empty for system notes ("Chat started", "Chat ended"). */
  from: string;
  text: string;
}

function clock(d: Date): string {
  return d.toTimeString().slice(0, 8);
}

/** Renders the transcript as text, one line per entry (continuation lines indented). */
export function transcriptText(t: Texts, lang: string, title: string, lines: readonly TranscriptLine[]): string {
  const first = lines[0]?.at ?? new Date();
  const head = [t.transcriptTitle({ title }), t.transcriptDate({ date: first.toLocaleDateString(lang, { dateStyle: 'full' }) }), ''];
  const body = lines.map((l) => {
    // Every line break a viewer honours (a lone CR, NEL, U+2028/2029 too) is indented, so a
    // message cannot forge a line that looks like another timestamped entry.
    const text = l.text.replace(/\r\n|[\r\n\u0085\u2028\u2029]/g, '\n           ');
    return l.from ? `[${clock(l.at)}] ${l.from}: ${text}` : `[${clock(l.at)}] -- ${text} --`;
  });
  return `${[...head, ...body].join('\n')}\n`;
}

/** Offers the transcript as a .txt download. */
export function downloadTranscript(t: Texts, lang: string, title: string, lines: readonly TranscriptLine[]): void {
  const blob = new Blob([transcriptText(t, lang, title, lines)], { type: 'text/plain;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `chat-transcript-${new Date().toISOString().slice(0, 10)}.txt`;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Give the browser a moment to start the download before releasing the blob.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
