// Worker thread entry for handler scripts: lets the worker load TypeScript
// (the runtime, and the script whether it is an ES module or, outside a
// "type": "module" package, CommonJS), then runs the runtime.
import { register as registerCjs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

registerCjs();
register();
await import('./script-worker.ts');
