import { describe, expect, it } from 'vitest';
import { WakeLoop } from '../../../electron/main/lib/wakeLoop';

/** A look the test finishes by hand, so what overlaps is decided by the test, not by timing. */
function controlledLooks() {
  const pending: { finish: (wait: number | null) => void; fail: (error: Error) => void }[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const started: number[] = [];
  const look = () =>
    new Promise<number | null>((resolve, reject) => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      started.push(started.length + 1);
      pending.push({
        finish: (wait) => {
          running -= 1;
          resolve(wait);
        },
        fail: (error) => {
          running -= 1;
          reject(error);
        },
      });
    });
  return { look, pending, started, mostAtOnce: () => mostAtOnce };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('WakeLoop', () => {
  it('never runs two looks at once: wakes during a look make exactly one more look after it', async () => {
    const looks = controlledLooks();
    const loop = new WakeLoop(looks.look, () => null);
    loop.start();
    loop.wake();
    loop.wake();
    loop.wake();
    expect(looks.started).toHaveLength(1);
    looks.pending[0]!.finish(null);
    await turn();
    expect(looks.started).toHaveLength(2);
    looks.pending[1]!.finish(null);
    await turn();
    expect(looks.started).toHaveLength(2);
    expect(looks.mostAtOnce()).toBe(1);
    await loop.stop();
  });

  it('a look that asks for 0 ms looks again at once; a failed look sleeps as its handler says, and the loop goes on', async () => {
    const looks = controlledLooks();
    const failures: string[] = [];
    const loop = new WakeLoop(looks.look, (error) => {
      failures.push((error as Error).message);
      return 0;
    });
    loop.start();
    looks.pending[0]!.finish(0);
    await turn();
    expect(looks.started).toHaveLength(2);
    looks.pending[1]!.fail(new Error('disk busy'));
    await turn();
    expect(failures).toEqual(['disk busy']);
    expect(looks.started).toHaveLength(3);
    looks.pending[2]!.finish(null);
    await loop.stop();
  });

  it('stop() waits for the look in progress, and no wake starts another afterwards', async () => {
    const looks = controlledLooks();
    const loop = new WakeLoop(looks.look, () => null);
    loop.start();
    let stopped = false;
    const stopping = loop.stop().then(() => {
      stopped = true;
    });
    await turn();
    expect(stopped).toBe(false);
    looks.pending[0]!.finish(10);
    await stopping;
    loop.wake();
    expect(looks.started).toHaveLength(1);
    expect(loop.active).toBe(false);
  });
});
