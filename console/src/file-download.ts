/**
 * Saves a downloaded chat file on the agent's disk: the bytes come from the agent
 * API with the agent's token (a plain link could not send it), go into a Blob and
 * are saved under the file's name by a temporary `<a download>`. The file is never
 * shown in the console's page: a visitor's upload is untrusted content.
 */
import type { AgentPort } from './agent-port.ts';

/**
 * A file entry's button (transcript-view.ts): fetches the file with this login's token and saves
 * it under its name; the button says it is busy meanwhile (not `disabled`: that would drop the
 * keyboard focus), and a failure is reported in words.
 */
export async function downloadChatFile(client: Pick<AgentPort, 'downloadFile'>, chatId: string, fileId: string, name: string, button: HTMLButtonElement, report: (message: string) => void): Promise<void> {
  if (button.getAttribute('aria-disabled') === 'true') return;
  button.setAttribute('aria-disabled', 'true');
  try {
    const file = await client.downloadFile(chatId, fileId);
    saveFile(file.bytes, file.name || name, file.contentType);
  } catch (err) {
    report(`Could not download ${name}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    button.removeAttribute('aria-disabled');
  }
}

export function saveFile(bytes: Uint8Array, name: string, contentType: string): void {
  // A copy the Blob may keep: the SDK's array may be a view over a larger buffer.
  const blob = new Blob([bytes.slice()], { type: contentType });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The browser has taken the download by then; the URL would keep the bytes in memory.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** 532 → "532 bytes", 20480 → "20 KB", 3145728 → "3.0 MB". */
export function describeSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1_048_576) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}
