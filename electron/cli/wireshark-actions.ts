// What kucomms-studio wireshark install does. Wireshark says where it looks
// (`tshark -G folders`): Lua dissectors go into the personal Lua plugin
// folder, which needs no root; the extcap program into the personal extcap
// folder where the Wireshark has one (4.2 and later), else into the global
// one, which only root can write: then the command says so and prints the
// command that does it, and installs the rest.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeWhole } from '../services/workspace/workspace.ts';
import { generateLua } from '../services/protocol/gen-lua.ts';
import { LayoutLoadError, loadLayoutFile } from '../services/protocol/loader.ts';
import { PROTOCOLS_DIR } from '../services/studio/protocols.ts';
import { EXIT } from './exit-codes.ts';
import { CliError, say } from './cli-support.ts';

const DEFAULT_EXTCAP = fileURLToPath(new URL('../../native/build/kucomms_extcap', import.meta.url));

interface InstallOptions {
  workspace?: string;
  only?: string;
  extcap: string | boolean;
  extcapDir?: string;
}

/** The folders `tshark -G folders` names, by their label ("Personal Lua Plugins", "Extcap path"...). */
export function wiresharkFolders(): Map<string, string> {
  const r = spawnSync('tshark', ['-G', 'folders'], { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    throw new CliError(
      `tshark -G folders failed (is tshark installed?): ${r.error?.message ?? r.stderr.trim()}`,
      EXIT.TARGET,
    );
  const folders = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^([^:]+):\s+(\S.*)$/.exec(line);
    if (m && !folders.has(m[1] as string)) folders.set((m[1] as string).trim(), (m[2] as string).trim());
  }
  return folders;
}

function layoutFiles(workspace: string): string[] {
  const list = (dir: string) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.yaml'))
          .sort()
          .map((f) => path.join(dir, f))
      : [];
  return [...list(PROTOCOLS_DIR), ...list(path.join(workspace, 'layouts'))];
}

function writable(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export async function wiresharkInstallCommand(o: InstallOptions): Promise<number> {
  const folders = wiresharkFolders();
  const luaDir = folders.get('Personal Lua Plugins');
  if (!luaDir) throw new CliError('tshark -G folders names no "Personal Lua Plugins" folder', EXIT.TARGET);
  mkdirSync(luaDir, { recursive: true });

  // A workspace layout of the same protocol as a shipped one replaces it.
  const dissectors = new Map<string, { file: string; text: string }>();
  let invalid = 0;
  for (const file of layoutFiles(o.workspace ?? '.')) {
    try {
      const layout = loadLayoutFile(file);
      dissectors.set(layout.protocol, { file, text: generateLua(layout, file) });
    } catch (err) {
      if (!(err instanceof LayoutLoadError)) throw err;
      say(`${file}: skipped, it has errors (kucomms-studio validate ${file} lists them)`);
      invalid++;
    }
  }
  if (o.only !== undefined) {
    const chosen = dissectors.get(o.only);
    if (!chosen)
      throw new CliError(
        `--only ${o.only}: no layout of that protocol (there are ${[...dissectors.keys()].join(', ')})`,
        EXIT.USAGE,
      );
    dissectors.clear();
    dissectors.set(o.only, chosen);
    // The others would compete for USER0: take out those an earlier install put there.
    for (const f of readdirSync(luaDir))
      if (/^kucomms_[a-z][a-z0-9_]*\.lua$/.test(f) && f !== `kucomms_${o.only}.lua`) {
        rmSync(path.join(luaDir, f));
        process.stdout.write(`removed ${path.join(luaDir, f)}\n`);
      }
  }
  for (const [protocol, { file, text }] of dissectors) {
    const target = path.join(luaDir, `kucomms_${protocol}.lua`);
    writeWhole(target, text);
    process.stdout.write(`dissector ${target} (from ${file})\n`);
  }

  if (o.extcap !== false) {
    const program = typeof o.extcap === 'string' ? o.extcap : DEFAULT_EXTCAP;
    if (!existsSync(program))
      throw new CliError(
        `${program} does not exist: build it with npm run build:native, or name it with --extcap`,
        EXIT.USAGE,
      );
    const personal = folders.get('Personal Extcap path');
    const dir = o.extcapDir ?? personal ?? folders.get('Extcap path');
    if (!dir) throw new CliError('tshark -G folders names no extcap folder', EXIT.TARGET);
    const target = path.join(dir, 'kucomms_extcap');
    if (!writable(dir)) {
      process.stdout.write(
        `extcap NOT installed: this Wireshark looks for extcap programs only in ${dir}, which needs root` +
          `${personal ? '' : ' (Wireshark 4.0, as in Debian 12, has no personal extcap folder)'}. As root:\n` +
          `  sudo install -m 0755 ${program} ${target}\n` +
          '(or install the libkucomms-dev package, which puts it there)\n',
      );
    } else {
      copyFileSync(program, target);
      spawnSync('chmod', ['0755', target]);
      process.stdout.write(`extcap ${target}\n`);
    }
  }
  process.stdout.write(
    `${dissectors.size} dissector${dissectors.size === 1 ? '' : 's'} installed${invalid ? `, ${invalid} layout${invalid === 1 ? '' : 's'} skipped` : ''}; ` +
      'Wireshark and tshark load them at their next start\n',
  );
  if (dissectors.size > 1)
    process.stdout.write(
      'each registers for link type USER0, so Wireshark decodes kucomms captures with one of them: keep the one you need with --only PROTOCOL\n',
    );
  return EXIT.OK;
}
