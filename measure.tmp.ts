import { openDatabase } from './electron/main/db/open';
import { seedDemoPractice } from './electron/main/demo/demoPractice';
import { assemblePages, clearStaging, stageResources } from './electron/main/fhir/ingest';
import { appointmentToFhir, householdToFhir, patientToFhir, relatedPersonToFhir } from './electron/main/fhir/reverseMapping';
import { applyChangesPage } from './electron/main/sync/applyPage';
import { DEFAULT_FHIR_MAPPING_CONFIG as config } from './shared/fhir/mappingConfig';
import fs from 'node:fs';
const dir = '/tmp/fs/m'; fs.rmSync(dir, { recursive: true, force: true }); fs.mkdirSync(dir);
const NOW = new Date('2026-11-22T14:30:00.000Z');
const demo = await openDatabase(`${dir}/demo.sqlite`);
let t = Date.now();
seedDemoPractice(demo.sqlite, { today: '2026-11-22', now: NOW, patients: Number(process.argv[2] ?? 200000) });
console.log('demo seeded s', (Date.now() - t) / 1000);
// Resources as the NDJSON would carry them (JSON text → parsed), without the HTTP part.
const resources: string[] = [];
const fam = new Map<string, string | null>(); const members = new Map<string, string[]>();
for (const r of demo.sqlite.prepare('SELECT * FROM patients').all() as any[]) {
  resources.push(JSON.stringify({ ...patientToFhir({ id: r.id, chartNumber: r.chart_number, familyId: r.family_id, firstName: r.first_name, lastName: r.last_name, dateOfBirth: r.date_of_birth, sex: r.sex, status: r.status, portalLinked: r.portal_linked === 1, version: 1, updatedAt: r.updated_at }, config), meta: { lastUpdated: NOW.toISOString() } }));
  fam.set(r.id, r.family_id); if (r.family_id) { const l = members.get(r.family_id) ?? []; l.push(r.id); members.set(r.family_id, l); }
}
for (const r of demo.sqlite.prepare('SELECT l.*, c.* FROM patient_contacts l JOIN contacts c ON c.id = l.contact_id').all() as any[]) {
  resources.push(JSON.stringify({ ...relatedPersonToFhir({ id: r.contact_id, firstName: r.first_name, lastName: r.last_name, email: r.email, mobilePhone: r.mobile_phone, homePhone: r.home_phone, preferredReminder: r.preferred_reminder, language: r.language, hasPortalAccount: r.has_portal_account === 1, version: 1, updatedAt: NOW.toISOString() }, { patientId: r.patient_id, contactId: r.contact_id, sort: r.sort, relationship: r.relationship, authority: r.authority, residesWith: r.resides_with === 1, portalFlag: r.portal_flag === 1 }, fam.get(r.patient_id) ?? null, config), meta: { lastUpdated: NOW.toISOString() } }));
}
for (const r of demo.sqlite.prepare('SELECT * FROM families').all() as any[]) resources.push(JSON.stringify({ ...householdToFhir({ id: r.id, name: r.name, version: 1, updatedAt: NOW.toISOString() }, members.get(r.id) ?? [], config), meta: { lastUpdated: NOW.toISOString() } }));
for (const r of demo.sqlite.prepare('SELECT * FROM appointments').all() as any[]) resources.push(JSON.stringify({ ...appointmentToFhir({ id: r.id, patientId: r.patient_id, startsAt: r.starts_at, provider: r.provider, reason: r.reason, updatedAt: NOW.toISOString() }, config), meta: { lastUpdated: NOW.toISOString() } }));
fam.clear(); members.clear();
await demo.close();
console.log('resources', resources.length);
const mirror = await openDatabase(`${dir}/mirror.sqlite`);
global.gc?.();
const base = process.memoryUsage().heapUsed;
let peak = 0; const sample = () => { const h = process.memoryUsage().heapUsed - base; if (h > peak) peak = h; };
t = Date.now();
for (let i = 0; i < resources.length; i += 1000) { stageResources(mirror.sqlite, 'm', resources.slice(i, i + 1000).map((s) => JSON.parse(s)), config, NOW); sample(); }
const staged = Date.now() - t;
t = Date.now();
let pages = 0; let longest = 0;
const it = assemblePages(mirror.sqlite, 'm', { config, now: NOW, pageRows: 500, cursorBefore: '', cursorAfter: 'fhir:x' });
for (;;) {
  const a = performance.now(); const n = it.next(); if (n.done) break;
  applyChangesPage(mirror.sqlite, n.value, { now: NOW }); const d = performance.now() - a; if (d > longest) longest = d; pages++; sample();
}
const assembled = Date.now() - t;
clearStaging(mirror.sqlite, 'm');
console.log(JSON.stringify({ stageS: staged / 1000, assembleApplyS: assembled / 1000, pages, longestPageMs: Math.round(longest), heapAboveInputMB: Math.round(peak / 1e6), patients: mirror.sqlite.prepare('SELECT count(*) FROM patients').pluck().get(), rss: Math.round(process.memoryUsage().rss / 1e6) }));
