/**
 * What the status bar says about the practice system, from what main knows. One sentence that
 * cannot contradict the "Last sync" beside it: "Online" means the practice system answered and a
 * sync has completed; a system that answered deliveries but was never synced from says so.
 */
export interface ConnectionFacts {
  /** An address and a token are saved. */
  syncConfigured: boolean;
  /** The practice system's last answer: true it answered, false it could not be reached, null not tried yet (with this address and token). */
  online: boolean | null;
  lastSyncAt: string | null;
}

export type ConnectionTone = 'ok' | 'offline' | 'unknown';

export function connectionLabel(facts: ConnectionFacts): { text: string; tone: ConnectionTone } {
  if (!facts.syncConfigured) return { text: 'Practice system: not set up', tone: 'unknown' };
  if (facts.online === null) return { text: 'Practice system: not connected yet', tone: 'unknown' };
  if (!facts.online) return { text: 'Offline: PINs still work, deliveries wait', tone: 'offline' };
  if (facts.lastSyncAt === null) return { text: 'Connected: not synced yet', tone: 'unknown' };
  return { text: 'Online', tone: 'ok' };
}
