import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, practiceTimeZone, workstationTimeZone } from '../../shared/settings';

describe("the practice's time zone", () => {
  it('is the one set in Settings', () => {
    expect(practiceTimeZone({ timeZone: 'Pacific/Honolulu' })).toBe('Pacific/Honolulu');
  });

  it("is the workstation's while none is set (a new practice)", () => {
    expect(DEFAULT_SETTINGS.timeZone).toBe('');
    expect(practiceTimeZone(DEFAULT_SETTINGS)).toBe(workstationTimeZone());
    expect(workstationTimeZone()).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });
});
