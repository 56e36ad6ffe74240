import { performance } from 'node:perf_hooks';

/**
 * Starts timing the gaps between this process's event-loop turns (a setImmediate chain: it runs
 * once per turn, so a gap is how long one piece of work held the loop). The returned function
 * stops the chain and answers the longest gap seen, in ms.
 */
export function watchLongestTurn(): () => Promise<number> {
  let longest = 0;
  let last = performance.now();
  let ticking = true;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  return async () => {
    ticking = false;
    await new Promise((resolve) => setImmediate(resolve));
    return longest;
  };
}
