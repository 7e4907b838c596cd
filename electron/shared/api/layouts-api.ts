// The Studio API's layout editing calls: validate, preview, generate code
// from and save the layout being edited (as YAML text).
import type { CallTable } from './call-spec.ts';

export const layoutCalls = {} satisfies CallTable;

export interface LayoutEvents {}

export const LAYOUT_EVENTS: ReadonlyArray<keyof LayoutEvents> = [];
