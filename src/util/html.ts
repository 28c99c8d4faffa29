/**
 * The one way bnviz writes HTML (the run's index.html, the dashboard's page
 * shells): a tagged template that escapes every value put into it
 * (html-escaper), unless the value is itself HTML made here.
 */
import { escape } from 'html-escaper';

/** HTML text that is safe as it is: made by `html` or marked by `trusted`. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** `html\`<b>${name}</b>\``: strings and numbers are escaped, Html is kept, arrays are joined, null/undefined/false are empty. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  values.forEach((v, i) => {
    out += part(v) + strings[i + 1];
  });
  return new Html(out);
}

/** Markup or code of our own, put in unescaped (never text from a file, a job or Redis). */
export function trusted(text: string): Html {
  return new Html(text);
}

export { escape as escapeHtml };

function part(v: unknown): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(part).join('');
  return escape(String(v));
}
