// The Studio's workspace calls (electron/shared/api/workspace-api.ts).
import type { workspaceCalls } from '../../../shared/api/workspace-api.ts';
import type { AreaHandlers, StudioArea, StudioContext } from '../studio-context.ts';

export class WorkspaceArea implements StudioArea<typeof workspaceCalls> {
  readonly handlers: AreaHandlers<typeof workspaceCalls>;

  constructor(readonly ctx: StudioContext) {
    this.handlers = {};
  }

  async close(): Promise<void> {}
}
