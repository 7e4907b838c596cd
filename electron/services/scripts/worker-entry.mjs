// Worker thread entry for handler scripts: lets the worker load TypeScript
// (the script and the runtime), then runs the runtime.
import { register } from 'tsx/esm/api';

register();
await import('./script-worker.ts');
