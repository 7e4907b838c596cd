// What the filter box offers to complete at the cursor: a field (header
// names, `data.` paths of every layout) where a field may start, or the
// names of an enum-typed field right after `FIELD ==` / `FIELD !=`.
import type { FilterWords } from '../../../electron/shared/studio-api.ts';

export interface FilterCompletion {
  /** Where the word being completed starts. */
  from: number;
  options: string[];
}

/** Options shown at most. */
const MAX_OPTIONS = 50;

/** The completion at @cursor in @text, or undefined when there is nothing to offer. */
export function filterCompletion(text: string, cursor: number, words: FilterWords): FilterCompletion | undefined {
  const before = text.slice(0, cursor);
  const word = /[A-Za-z_][\w.[\]]*$/.exec(before)?.[0] ?? '';
  const from = cursor - word.length;
  // Inside a string, a number or right after a field with nothing typed: nothing to offer.
  if (/["'][^"']*$/.test(before.replace(/(["'])(?:\\.|(?!\1).)*\1/g, ''))) return undefined;
  const compared = /([A-Za-z_][\w.[\]]*)\s*(==|!=)\s*$/.exec(text.slice(0, from));
  const pool = compared ? (words.values[compared[1]!] ?? []) : words.fields;
  if (!compared && word === '') return undefined;
  const lower = word.toLowerCase();
  const options = pool.filter((o) => o.toLowerCase().startsWith(lower) && o !== word).slice(0, MAX_OPTIONS);
  return options.length > 0 ? { from, options } : undefined;
}

/** @text with the completion @option put in place of the word at @from..@cursor; and where the cursor goes. */
export function applyCompletion(
  text: string,
  cursor: number,
  from: number,
  option: string,
): { text: string; cursor: number } {
  return { text: text.slice(0, from) + option + text.slice(cursor), cursor: from + option.length };
}
