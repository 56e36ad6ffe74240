import { describe, expect, it } from 'vitest';
import { DEFAULT_FHIR_MAPPING_CONFIG } from '../../../shared/fhir/mappingConfig';
import { prepareResources, stagePrepOps, type PreparedBatch } from '../../../electron/main/fhir/stagePrep';

/**
 * The second worker of a FHIR load (issue 14) prepares an export file's batches from its bytes as the
 * network cut them: the batches must follow the file's lines (resume point, line numbers of what is
 * set aside) and carry what the writing worker would have staged from the whole file at once.
 */

const config = { ...DEFAULT_FHIR_MAPPING_CONFIG, timeZone: 'America/New_York' };
const lines = [
  '{"resourceType":"Patient","id":"p1","name":[{"family":"Muñoz","given":["Zoë"]}],"address":[{"use":"home","line":["1 Elm St"],"postalCode":"02139"}]}',
  '{"resourceType":"Patient","id":"p2","birthDate":20150101}',
  'not json',
  '{"resourceType":"RelatedPerson","id":"r1","patient":{"reference":"Patient/p1"},"relationship":[{"coding":[{"code":"MTH"}]}],"name":[{"family":"Muñoz"}]}',
  '{"resourceType":"Practitioner","id":"dr1"}',
  '{"resourceType":"Patient","id":"p3","meta":{"lastUpdated":"2026-11-01T10:00:00Z"},"text":{"div":"dropped"}}',
  '{"resourceType":"Appointment","id":"a1","status":"booked","participant":[{"actor":{"reference":"Patient/p3"}}]}',
];
const bytes = new TextEncoder().encode(lines.join('\n'));

/** Every batch the ops give for the file cut every `step` bytes, the first `skip` lines staged before. */
function prepared(step: number, skip: number): PreparedBatch[] {
  const ops = stagePrepOps();
  ops.prepBegin({ skip, size: 3, config });
  const out: PreparedBatch[] = [];
  for (let from = 0; from < bytes.byteLength; from += step) out.push(...ops.prepBytes({ bytes: bytes.slice(from, from + step).buffer }));
  out.push(...ops.prepEnd(null).batches);
  return out;
}

describe('export batches prepared from bytes', () => {
  it('whatever the cuts: batches of 3 lines, the resume point after each, the same rows and words as prepared at once', () => {
    const whole = prepared(bytes.byteLength, 0);
    expect(whole.map((b) => [b.linesDone, b.lines])).toEqual([
      [3, 3],
      [6, 3],
      [7, 1],
    ]);
    expect(whole[0]!.unreadable).toEqual([{ line: 3, problem: 'not a FHIR resource (not a JSON object)' }]);
    expect(whole[0]!.setAside).toEqual([{ kind: 'patient', id: 'p2', problem: expect.stringMatching(/^cannot be read \(.*birthDate/) }]);
    expect(whole[1]!.skipped).toBe(1);
    const rows = whole.flatMap((b) => b.rows);
    expect(rows.map(([type, id, patient, contact, guardian]) => [type, id, patient, contact, guardian])).toEqual([
      ['Patient', 'p1', 'p1', null, 0],
      ['RelatedPerson', 'r1', 'p1', 'r1', 1],
      ['Patient', 'p3', 'p3', null, 0],
      ['Appointment', 'a1', 'p3', null, 0],
    ]);
    // The checked copy: what the mapping reads, nothing else (the narrative is dropped).
    expect(JSON.parse(rows[2]![7])).toEqual({ resourceType: 'Patient', id: 'p3', meta: { lastUpdated: '2026-11-01T10:00:00Z' } });
    expect(rows[2]![6]).toBe('2026-11-01T10:00:00Z');
    // The same as the resources prepared in one go (what a search page stages).
    const parsed = lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as object];
      } catch {
        return [];
      }
    });
    expect(prepareResources(parsed, config).rows).toEqual(rows);
    for (const step of [1, 2, 7, 64]) expect(prepared(step, 0)).toEqual(whole);
  });

  it('a resumed file: the lines staged before are skipped, the numbering goes on', () => {
    const resumed = prepared(5, 4);
    expect(resumed.map((b) => [b.linesDone, b.lines])).toEqual([[7, 3]]);
    expect(resumed[0]!.rows.map((r) => r[1])).toEqual(['p3', 'a1']);
    expect(resumed[0]!.skipped).toBe(1);
  });

  it('bytes before the file began are refused', () => {
    expect(() => stagePrepOps().prepBytes({ bytes: new ArrayBuffer(1) })).toThrow('export bytes without prepBegin');
  });
});
