// `mkdir -p` that always ends. Node's own recursive mkdir never returns for a
// path under /proc (the kernel answers ENOENT for a child that cannot exist
// there, which Node reads as "make the parent first", forever), and the
// folders the Studio makes come from its users: --state-dir, --workspace.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/** Makes @dir and any missing parents (each with @mode); throws the first error, naming the folder. */
export function makeDirectory(dir: string, mode?: number): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !existsSync(d); d = path.dirname(d)) {
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, mode === undefined ? undefined : { mode });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
