import type { Address, Extension, RelatedPerson } from '@medplum/fhirtypes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../electron/main/app';
import { bulkHandlers, type BulkHandlerName } from '../../electron/main/bulk/bulkHandlers';
import { contract, type CallName, type CallOutput } from '../../shared/api';
import type { WorklistRow } from '../../shared/bulk/api';
import { DEFAULT_FHIR_MAPPING_CONFIG, MR_TYPE } from '../../shared/fhir/mappingConfig';
import { V3_ROLE_CODE } from '../../shared/fhir/relationships';
import { loadOverFhir } from '../support/fhir/load';
import { changeRelatedPersonEmail, clockPast } from '../support/fhir/mutations';
import { startFhirServer, type FhirServer } from '../support/fhir/server';
import { makeTempDir } from '../support/tempDir';
import { DANA, NEW_YORK_TIME, openTestDesk } from '../support/testDesk';

/**
 * Issue 15: a practice loaded from an EHR that does not send the Authority extension. Every
 * patient whose guardian's Authority had to be inferred from the relationship is on the Bulk PIN
 * data-quality worklist to confirm; confirming it in the inline fix, or a later increment that
 * sends the extension, takes the child off; a patient whose Authority came from the extension is
 * never listed.
 */

const NOW = new Date('2026-11-22T15:00:00Z');
const config = DEFAULT_FHIR_MAPPING_CONFIG;
const ext = config.extensions;
let temp: ReturnType<typeof makeTempDir>;
let app: App;
let ehr: FhirServer;
let handlers: ReturnType<typeof bulkHandlers>;

async function call<K extends BulkHandlerName>(name: K, input: unknown): Promise<CallOutput<K>> {
  const parsed = contract[name as CallName].input.parse(input);
  return (handlers[name] as (i: unknown) => Promise<CallOutput<K>>)(parsed);
}

const home: Address[] = [{ use: 'home', line: ['12 Elm St.'], postalCode: '62704' }];

async function child(id: string, given: string) {
  await ehr.repo.createResource({
    resourceType: 'Patient',
    id,
    identifier: [{ type: { coding: [MR_TYPE] }, value: id.toUpperCase() }],
    name: [{ family: 'Ito', given: [given] }],
    birthDate: '2019-01-02',
    address: home,
  });
}

/** A parent of the child, with everything else the worklist asks for (email, mobile, reminder), and the extensions given. */
function parent(id: string, patientId: string, code: string, given: string, extension: Extension[] = []): RelatedPerson & { id: string } {
  return {
    resourceType: 'RelatedPerson',
    id,
    identifier: [{ system: config.contactIdentifierSystem, value: id }],
    patient: { reference: `Patient/${patientId}` },
    relationship: [{ coding: [{ system: V3_ROLE_CODE, code }] }],
    name: [{ family: 'Ito', given: [given] }],
    telecom: [
      { system: 'email', value: `${id}@example.org` },
      { system: 'phone', use: 'mobile', value: '617-555-0101' },
    ],
    address: home,
    extension: [{ url: ext.preferredReminder, valueCode: 'Email' }, ...extension],
  };
}

const explicit: Extension[] = [
  { url: ext.authority, valueCode: 'Joint' },
  { url: ext.sortOrder, valueInteger: 1 },
  { url: ext.residesWith, valueBoolean: true },
];

const inferredRows = async () => (await call('bulk.worklist', { problem: 'authority_inferred', limit: 100 })).rows;
const childrenOf = (rows: WorklistRow[]) => rows.flatMap((r) => r.children.map((c) => c.patientName));

beforeEach(async () => {
  temp = makeTempDir('fpp-bulk-inferred-');
  app = await openTestDesk(temp.file('practice.sqlite'), {
    now: () => NOW,
    workstation: 'desk-1',
    settings: NEW_YORK_TIME,
    clerks: [{ ...DANA, role: 'admin' }],
  });
  handlers = bulkHandlers(app.context, { exportDir: temp.file('exports') });
  ehr = await startFhirServer({ retryAfterSeconds: 0 });
  // Kai's mother: no Authority extension (inferred Joint from "Mother"); Mia's father: every extension given.
  await child('kai', 'Kai');
  await ehr.repo.createResource(parent('mom', 'kai', 'MTH', 'Emi'));
  await child('mia', 'Mia');
  await ehr.repo.createResource(parent('dad', 'mia', 'FTH', 'Ken', explicit));
});
afterEach(async () => {
  await ehr.close();
  await app.close();
  temp.remove();
});

describe('a guardian whose Authority was inferred on the FHIR load', () => {
  it('is listed to confirm, and confirming it in the inline fix takes the child off the worklist', async () => {
    await loadOverFhir(app.context.sqlite, `${ehr.baseUrl}/Patient/$export`, { runId: 'first', config, now: NOW });

    const rows = await inferredRows();
    expect(childrenOf(rows)).toEqual(['Kai Ito']);
    expect(rows[0]).toMatchObject({
      contactId: 'mom',
      children: [{ patientId: 'kai', authority: 'Joint', residesWith: true }],
      problems: [
        {
          code: 'authority_inferred',
          message:
            'Authority Joint was inferred from the relationship (Mother) when the practice was loaded from the EHR, which did not send it: confirm it or choose the right one.',
        },
      ],
    });
    // Mia's father's Authority came from the extension: nothing to confirm, nothing else wrong.
    expect((await call('bulk.worklist', { limit: 100 })).rows.map((r) => r.key)).toEqual(['contact:mom']);

    // Fixing something else leaves the Authority to confirm (the row worked out for the guardian alone).
    const after = (await call('bulk.fixContact', { contactId: 'mom', changes: { mobilePhone: '617 555 0199' }, links: [] })) as WorklistRow;
    expect(after.problems.map((p) => p.code)).toEqual(['authority_inferred']);
    expect(childrenOf(await inferredRows())).toEqual(['Kai Ito']);

    // The administrator keeps Joint: saving the Authority confirms it, with no change to send upstream.
    expect(await call('bulk.fixContact', { contactId: 'mom', changes: {}, links: [{ patientId: 'kai', authority: 'Joint' }] })).toBeNull();
    expect(await inferredRows()).toEqual([]);
    expect((await call('bulk.worklist', { limit: 100 })).total).toBe(0);
    expect(app.context.sqlite.prepare(`SELECT count(*) FROM outbox WHERE kind = 'contact.update'`).pluck().get()).toBe(1); // the mobile only
    expect(app.context.sqlite.prepare('SELECT authority FROM patient_contacts WHERE patient_id = ?').pluck().get('kai')).toBe('Joint');
  });

  it('stays listed after an increment without the extension, and leaves once an increment sends it', async () => {
    const first = await loadOverFhir(app.context.sqlite, `${ehr.baseUrl}/Patient/$export`, { runId: 'first', config, now: NOW });
    expect(childrenOf(await inferredRows())).toEqual(['Kai Ito']);
    const increment = (since: string) => `${ehr.baseUrl}/Patient/$export?_type=Patient,RelatedPerson,Appointment&_since=${encodeURIComponent(since)}`;

    // A new email for the mother, still without Authority: the mirror's inferred Joint is still unconfirmed.
    await clockPast(first.manifest.transactionTime);
    await changeRelatedPersonEmail(ehr.repo, 'mom', 'emi.new@example.org');
    const second = await loadOverFhir(app.context.sqlite, increment(first.manifest.transactionTime), { runId: 'second', config, now: NOW });
    expect(second.staged).toBe(1);
    const rows = await inferredRows();
    expect(childrenOf(rows)).toEqual(['Kai Ito']);
    expect(rows[0]!.contact!.email).toBe('emi.new@example.org');

    // The EHR now says Exclusive: nothing is left to confirm.
    await clockPast(second.manifest.transactionTime);
    const mom = await ehr.repo.readResource<RelatedPerson>('RelatedPerson', 'mom');
    await ehr.repo.updateResource({ ...mom, extension: [...(mom.extension ?? []), { url: ext.authority, valueCode: 'Exclusive' }] });
    await loadOverFhir(app.context.sqlite, increment(second.manifest.transactionTime), { runId: 'third', config, now: NOW });
    expect(await inferredRows()).toEqual([]);
    expect(app.context.sqlite.prepare('SELECT authority FROM patient_contacts WHERE patient_id = ?').pluck().get('kai')).toBe('Exclusive');
  });
});
