// Every failure that crosses the Studio API becomes a StudioError with a
// code a program can test and a sentence a person can act on: the caller
// says what was being done, so the call's internal name is not in it.
import { StudioError } from '../../shared/studio-api.ts';
import { EncodeError } from '../protocol/encode.ts';
import { FilterError } from './traffic/filter.ts';

export function toStudioError(err: unknown): StudioError {
  if (err instanceof StudioError) return err;
  if (err instanceof FilterError)
    return new StudioError({
      code: 'EFILTER',
      message: err.message,
      filter: { expression: err.expression, position: err.position, message: err.reason },
    });
  if (err instanceof EncodeError)
    return new StudioError({
      code: 'EINVAL_INPUT',
      message: err.message,
      issues: [{ path: err.path, message: err.message }],
    });
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : 'EIO';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return new StudioError({ code, message });
}
