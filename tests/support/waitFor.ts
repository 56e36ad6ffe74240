/**
 * Polls `check` until it holds, for what no event announces (another process's outbox, a web
 * process's start-up check). Fails after `timeout` ms with a message naming `what` was awaited.
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  { what, timeout = 30_000, every = 25 }: { what: string; timeout?: number; every?: number },
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}
