// How a Studio API call is declared: its zod input schema, its result type
// (carried in the type only) and one line of documentation; and how an event
// is declared: its payload type and one line. Each area declares a table of
// each; studio-api.ts gathers them into the one API.
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

/** How an event is declared: its payload's type (carried in the type only) and one line of documentation. */
export interface EventSpec<P> {
  /** Never set: carries the payload type. */
  payload?: P;
  doc: string;
}

export function event<P>(doc: string): EventSpec<P> {
  return { doc };
}

/** A table of events, as each area declares it. */
export type EventTable = Record<string, EventSpec<unknown>>;

/** The payload of each event of a table. */
export type EventPayloads<T extends EventTable> = { [K in keyof T]: NonNullable<T[K]['payload']> };
