/**
 * Getting an agent's attention while the console tab is hidden: a desktop
 * notification (when the user allowed them) and a short beep. Nothing happens
 * while the tab is visible — the page itself shows the offer or message.
 */
let audio: AudioContext | undefined;

/** Browsers only let audio start after a user gesture: call this from one (login, a click). */
export function unlockAudio(): void {
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') void audio.resume().catch(() => undefined);
  } catch {
    audio = undefined; // no WebAudio: notifications still work
  }
}

function beep(frequency: number): void {
  if (!audio) return;
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  osc.type = 'sine';
  osc.frequency.value = frequency;
  const t = audio.currentTime;
  gain.gain.setValueAtTime(0.0001, t);
  gain.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.25);
  osc.connect(gain).connect(audio.destination);
  osc.start(t);
  osc.stop(t + 0.3);
}

export function notificationsSupported(): boolean {
  return typeof Notification !== 'undefined';
}

export function notificationPermission(): NotificationPermission | 'unsupported' {
  return notificationsSupported() ? Notification.permission : 'unsupported';
}

export async function requestNotifications(): Promise<NotificationPermission | 'unsupported'> {
  if (!notificationsSupported()) return 'unsupported';
  return Notification.requestPermission();
}

/** Beeps and shows a desktop notification, only when the tab is hidden. */
export function alertHidden(kind: 'offer' | 'message', title: string, body: string, tag: string): void {
  if (document.visibilityState !== 'hidden') return;
  beep(kind === 'offer' ? 880 : 660);
  if (notificationsSupported() && Notification.permission === 'granted') {
    const n = new Notification(title, { body: body.slice(0, 140), tag });
    n.onclick = () => {
      window.focus();
      n.close();
    };
  }
}
