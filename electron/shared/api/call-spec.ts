// How a Studio API call is declared: its zod input schema, its result type
// (carried in the type only) and one line of documentation. studio-api.ts
// gathers the tables of every area into the one API.
import { z } from 'zod';

export interface CallSpec<I extends z.ZodType, R> {
  input: I;
  /** Never set: carries the result type. */
  result?: R;
  doc: string;
}

export function call<R>() {
  return <I extends z.ZodType>(input: I, doc: string): CallSpec<I, R> => ({ input, doc });
}

/** A table of calls, as each area declares it. */
export type CallTable = Record<string, CallSpec<z.ZodType, unknown>>;

export const targetName = z.string().min(1, 'expected a target name').max(512);
export const empty = z.object({}).strict();
