import { onTestFinished, vi } from 'vitest';

/** What the code under test writes to console.error during this test, one line per call (kept off the test's output). */
export function captureConsoleErrors(): string[] {
  const logged: string[] = [];
  const errors = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    logged.push(args.map(String).join(' '));
  });
  onTestFinished(() => errors.mockRestore());
  return logged;
}
