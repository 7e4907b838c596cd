// The Studio's version, as package.json gives it: what `hello` reports to a
// UI and `kucomms-studio --version` prints.
import { readFileSync } from 'node:fs';

export const STUDIO_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
