/**
 * The one line web mode prints once it listens: the address to open, for the person at the
 * terminal and for scripts (tests, the bench) that start web mode and read it back.
 */
const PREFIX = 'Family Portal PINs is running in web mode. Open ';

export function launchLine(openUrl: string): string {
  return `${PREFIX}${openUrl} in a browser (this address works once: the browser that opens it first stays signed in).`;
}

/** The address from what web mode printed so far, or null before it is ready. */
export function parseLaunchLine(output: string): string | null {
  const start = output.indexOf(PREFIX);
  if (start < 0) return null;
  const match = /^(http:\/\/\S+) /.exec(output.slice(start + PREFIX.length));
  return match ? match[1]! : null;
}
