// Worker thread entry for handler scripts: lets the worker load TypeScript
// (the runtime, and the script whether it is an ES module or, outside a
// "type": "module" package, CommonJS) and the type-only modules a script
// imports (script-modules.mjs), then runs the runtime.
import { register as registerModule } from 'node:module';
import { register as registerCjs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

registerCjs();
register();
// Registered last, so it sees 'kucomms:' specifiers before tsx does.
registerModule('./script-modules.mjs', import.meta.url);
await import('./script-worker.ts');
