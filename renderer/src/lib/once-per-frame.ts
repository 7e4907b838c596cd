// Work a list does when what it shows changes (fetching the rows in view) is
// wanted at most once a frame, however many changes asked for it.

/** A function that runs @run at the next animation frame, once however often it is called before. */
export function oncePerFrame(run: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      run();
    });
  };
}
