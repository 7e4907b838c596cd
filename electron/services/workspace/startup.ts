// Which workspace the Studio opens when it starts: the one asked for, else
// the last one opened on this machine, else STATE-DIR/workspace (the first
// start). A last workspace that is gone is not created again behind the
// person's back: the Studio says so and opens the default.
import { statSync } from 'node:fs';
import path from 'node:path';
import type { StateStore } from './state-store.ts';

export function startupWorkspaceDir(state: StateStore, stateDir: string, asked?: string): string {
  if (asked !== undefined) return path.resolve(asked);
  const fallback = path.join(stateDir, 'workspace');
  const last = state.lastWorkspace;
  if (last === undefined) return fallback;
  if (statSync(last, { throwIfNoEntry: false })?.isDirectory()) return last;
  state.notices.push(`the last workspace ${last} is no longer there; ${fallback} is open instead`);
  return fallback;
}

/** The state file in @stateDir. */
export function stateFile(stateDir: string): string {
  return path.join(stateDir, 'state.json');
}
