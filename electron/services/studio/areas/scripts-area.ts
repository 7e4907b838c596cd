// The Studio's scripts calls (electron/shared/api/scripts-api.ts).
import type { scriptCalls } from '../../../shared/api/scripts-api.ts';
import type { AreaHandlers, StudioArea, StudioContext } from '../studio-context.ts';

export class ScriptsArea implements StudioArea<typeof scriptCalls> {
  readonly handlers: AreaHandlers<typeof scriptCalls>;

  constructor(readonly ctx: StudioContext) {
    this.handlers = {};
  }

  async close(): Promise<void> {}
}
