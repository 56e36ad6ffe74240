import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS } from '../../shared/audit/actions';
import { ACTION_LABELS, auditActionLabel, summarizeAuditDetails } from '../../shared/audit/words';

describe('auditActionLabel', () => {
  it.each([
    ['pin_reprinted', 'PIN reprinted'],
    ['audit_verification_failed', 'Audit log check failed'],
    // An action written by a newer version still reads as words.
    ['badge_scanned', 'Badge scanned'],
  ])('%s reads "%s"', (action, label) => {
    expect(auditActionLabel(action)).toBe(label);
  });
});

describe('summarizeAuditDetails', () => {
  it.each([
    ['{}', ''],
    ['{"setting":"timeZone","from":"","to":"America/Chicago"}', 'setting: "timeZone"; from: (empty); to: "America/Chicago"'],
    ['{"secret":"smtpPassword","set":true}', 'secret: "smtpPassword"; set: yes'],
    ['{"families":1200,"patients":3400}', 'families: 1,200; patients: 3,400'],
    ['{"from":{"firstName":"Baby Girl","lastName":"Lopez"},"to":{"firstName":"Ana","lastName":"Lopez"}}', 'from: "Baby Girl Lopez"; to: "Ana Lopez"'],
    ['{"files":[{"name":"a.csv"},{"name":"b.csv"}],"reindexed":false}', 'files: 2 items; reindexed: no'],
    ['{"filter":{"action":"pin_printed","from":"2026-11-01"}}', 'filter: (action: "pin_printed", from: "2026-11-01")'],
    ['not json', '(details unreadable)'],
  ])('%s', (details, summary) => {
    expect(summarizeAuditDetails(details)).toBe(summary);
  });

  it('never shows a value kept under a PIN, password or token key', () => {
    const summary = summarizeAuditDetails('{"pinId":"pin-1","pin":"K7Q-M3X-PAZ","password":"hunter22","nested":{"token":"abc123"}}');
    expect(summary).toBe('pin id: "pin-1"; pin: (hidden); password: (hidden); nested: (token: (hidden))');
  });

  it('keeps a long summary to one readable line', () => {
    expect(summarizeAuditDetails(JSON.stringify({ reason: 'x'.repeat(1000) })).length).toBeLessThanOrEqual(400);
  });
});

describe('every audit action has words', () => {
  it.each(AUDIT_ACTIONS)('%s', (action) => {
    const label = ACTION_LABELS[action];
    expect(label?.trim()).toBeTruthy();
    expect(auditActionLabel(action)).toBe(label);
    // Two actions reading the same would be one choice twice in the screen's filter.
    expect(Object.values(ACTION_LABELS).filter((l) => l === label)).toHaveLength(1);
  });

  it('words only the actions there are', () => {
    expect(Object.keys(ACTION_LABELS).sort()).toEqual([...AUDIT_ACTIONS].sort());
  });
});
