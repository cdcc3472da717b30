/**
 * Checks of the button settings the widget reads (ADR 0053): the pre-chat form's labels
 * by language, and the post-chat page's URL.
 */
import type { ButtonConfig, SwitchboardConfig } from './config-schema.js';

/**
 * The keys of each pre-chat field's `labels` that are no language tag (BCP 47): the
 * widget could never pick them. Part of the config's validation (serve and check-config).
 */
export function prechatLabelProblems(button: ButtonConfig, path: string): string[] {
  const problems: string[] = [];
  (button.prechatForm ?? []).forEach((field, i) => {
    for (const tag of Object.keys(field.labels ?? {})) {
      let ok = true;
      try {
        ok = Intl.getCanonicalLocales(tag).length === 1;
      } catch {
        ok = false;
      }
      if (!ok) problems.push(`${path}/prechatForm/${i}/labels: ${JSON.stringify(tag)} is not a language tag (such as de, fr-CA, pt-BR)`);
    }
  });
  return problems;
}

/** Any http(s) page stands for the one the widget is on: a relative `postChatUrl` resolves against it. */
const SOME_PAGE = 'https://page.invalid/';

/**
 * Buttons whose `postChatUrl` is not an http(s) URL, as the widget reads it (post-chat-link.ts):
 * absolute or relative to the page, and after the URL parser's clean-up, so ` JavaScript:…` is
 * caught too. Empty means no post-chat page. `check-config` fails on these; `serve` warns and
 * passes the URL on as configured, since a Live Agent client other than the widget may open it.
 */
export function postChatUrlProblems(config: SwitchboardConfig): string[] {
  const problems: string[] = [];
  config.orgs.forEach((org, o) => org.deployments.forEach((d, di) => d.buttons.forEach((b, bi) => {
    const url = b.postChatUrl ?? '';
    if (!url.trim()) return;
    let protocol = '';
    try {
      protocol = new URL(url, SOME_PAGE).protocol;
    } catch {
      // Not a URL at all: the widget shows no link either.
    }
    if (protocol !== 'http:' && protocol !== 'https:') {
      const shown = url.length > 60 ? `${url.slice(0, 60)}…` : url;
      problems.push(`/orgs/${o}/deployments/${di}/buttons/${bi}/postChatUrl: button ${b.id}: ${JSON.stringify(shown)} is not an http(s) URL, so the widget shows no link to it`);
    }
  })));
  return problems;
}
