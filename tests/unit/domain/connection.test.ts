import { describe, expect, it } from 'vitest';
import { connectionLabel, type ConnectionFacts } from '../../../shared/domain/connection';

const at = '2026-12-03T10:00:00.000Z';

describe('connectionLabel (the status bar next to "Last sync")', () => {
  it.each<[ConnectionFacts, string, string]>([
    [{ syncConfigured: false, online: null, lastSyncAt: null }, 'Practice system: not set up', 'unknown'],
    // Left over from an address that was removed: not "Online".
    [{ syncConfigured: false, online: true, lastSyncAt: at }, 'Practice system: not set up', 'unknown'],
    [{ syncConfigured: true, online: null, lastSyncAt: null }, 'Practice system: not connected yet', 'unknown'],
    [{ syncConfigured: true, online: false, lastSyncAt: at }, 'Offline: PINs still work, deliveries wait', 'offline'],
    [{ syncConfigured: true, online: false, lastSyncAt: null }, 'Offline: PINs still work, deliveries wait', 'offline'],
    // Deliveries got through but no sync ever finished: never "Online" beside "Last sync: never".
    [{ syncConfigured: true, online: true, lastSyncAt: null }, 'Connected: not synced yet', 'unknown'],
    [{ syncConfigured: true, online: true, lastSyncAt: at }, 'Online', 'ok'],
  ])('%j', (facts, text, tone) => {
    expect(connectionLabel(facts)).toEqual({ text, tone });
  });
});
