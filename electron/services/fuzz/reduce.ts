// Reducing a finding to the fewest messages that still cause it: delta
// debugging (Zeller's ddmin) over the messages of the link, after trying the
// last message alone (usually the one to blame).

/** Trials at most: each opens a link and replays, and a hang costs its whole timeout. */
const MAX_TRIALS = 64;

export async function reduceSequence<T>(sequence: T[], reproduces: (seq: T[]) => Promise<boolean>): Promise<T[]> {
  let trials = 0;
  const test = async (seq: T[]): Promise<boolean> => {
    trials++;
    return reproduces(seq);
  };
  const last = sequence.at(-1);
  if (last !== undefined && sequence.length > 1 && (await test([last]))) return [last];
  let current = sequence;
  let n = 2;
  while (current.length >= 2 && trials < MAX_TRIALS) {
    const size = Math.ceil(current.length / n);
    const chunks: T[][] = [];
    for (let i = 0; i < current.length; i += size) chunks.push(current.slice(i, i + size));
    let reducedTo: T[] | undefined;
    for (const chunk of chunks) {
      if (trials >= MAX_TRIALS) break;
      if (await test(chunk)) {
        reducedTo = chunk;
        n = 2;
        break;
      }
    }
    if (!reducedTo && n > 2)
      for (const [i] of chunks.entries()) {
        if (trials >= MAX_TRIALS) break;
        const complement = chunks.filter((_, j) => j !== i).flat();
        if (await test(complement)) {
          reducedTo = complement;
          n = Math.max(n - 1, 2);
          break;
        }
      }
    if (reducedTo) current = reducedTo;
    else if (n >= current.length) break;
    else n = Math.min(n * 2, current.length);
  }
  return current;
}
