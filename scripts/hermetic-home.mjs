// Gives a test suite a home of its own: HOME, XDG_CONFIG_HOME, XDG_DATA_HOME
// and XDG_STATE_HOME point into a fresh temporary folder for the suite and
// every process it starts, and the folder is removed when the suite exits.
// So no test reads or writes the person's real Studio state (the last
// workspace, ~/.config/kucomms-studio) or default workspace, and a machine
// where the Studio was used runs the tests as a fresh one does.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Points this process's environment (and so its children's) at a new temporary home; returns its path. */
export function useHermeticHome(suite) {
  const home = mkdtempSync(path.join(tmpdir(), `kucomms-${suite}-home-`));
  const dirs = { HOME: home, XDG_CONFIG_HOME: '.config', XDG_DATA_HOME: '.local/share', XDG_STATE_HOME: '.local/state' };
  for (const [name, dir] of Object.entries(dirs)) {
    const full = path.resolve(home, dir);
    mkdirSync(full, { recursive: true });
    process.env[name] = full;
  }
  process.on('exit', () => rmSync(home, { recursive: true, force: true }));
  return home;
}
