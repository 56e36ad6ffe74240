/**
 * For the portal run as its own process (npm run portal:dev, the bench's portal): on SIGINT or
 * SIGTERM it closes the portal once and exits. The returned stop does the same for other reasons
 * (the bench's portal stops when its stdin closes).
 */
export function stopOnSignals(portal: { close(): Promise<void> }): () => void {
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await portal.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  return () => void stop();
}
