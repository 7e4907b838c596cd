// A refused filter expression shown the way a person finds the mistake: the
// expression with a caret under the 0-based position the backend reported.
import type { FilterErrorData } from '../../../electron/shared/studio-api.ts';

export interface FilterErrorView {
  message: string;
  /** The text before, at and after the position (at: one character, or a space at the end). */
  before: string;
  at: string;
  after: string;
  position: number;
}

export function filterErrorView(e: FilterErrorData): FilterErrorView {
  const p = Math.max(0, Math.min(e.position, e.expression.length));
  return {
    message: e.message,
    before: e.expression.slice(0, p),
    at: e.expression.slice(p, p + 1) || ' ',
    after: e.expression.slice(p + 1),
    position: p,
  };
}
