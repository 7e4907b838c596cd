// Opening the target a command names, failing the command when it cannot be.
import { Endpoint } from '../services/endpoint.ts';
import { EXIT } from './exit-codes.ts';
import { CliError } from './cli-support.ts';

/** Opens @target, or throws a CliError (exit 1) saying why it could not. */
export async function openTarget(target: string): Promise<Endpoint> {
  try {
    return await Endpoint.open(target);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.TARGET);
  }
}
