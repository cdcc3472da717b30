/**
 * Checks of the button settings the widget reads (ADR 0053): the pre-chat form's labels
 * by language.
 */
import type { ButtonConfig } from './config-schema.js';

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
