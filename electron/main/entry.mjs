// Electron's main-process entry: loads the TypeScript shell through tsx.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
