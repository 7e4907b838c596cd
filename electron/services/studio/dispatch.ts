// The one way a transport calls the Studio: look the call up, validate its
// input with the contract's schema, run it, and turn any failure into a
// StudioError. Both Electron IPC and the WebSocket server use this.
import { isCallName, parseCallInput, StudioError, type StudioHandlers } from '../../shared/studio-api.ts';
import { toStudioError } from './errors.ts';

export async function dispatch(handlers: StudioHandlers, call: unknown, input: unknown): Promise<unknown> {
  if (!isCallName(call))
    throw new StudioError({ code: 'ENOCALL', message: `there is no Studio call ${JSON.stringify(call)}` });
  try {
    const parsed = parseCallInput(call, input);
    const handler = handlers[call] as (input: unknown) => Promise<unknown>;
    return await handler.call(handlers, parsed);
  } catch (err) {
    throw toStudioError(err);
  }
}
