/**
 * A valid input for every administrator-only call, so refusal tests get past validation and reach
 * authorization. A test checks this table covers every 'admin' call of the contract.
 */
export const ADMIN_CALL_SAMPLES: Record<string, unknown> = {
  'secrets.status': {},
  'secrets.set': { key: 'syncToken', value: 'not-a-real-token' },
  'settings.update': { changes: { practiceName: 'Taken Over Pediatrics' } },
  'bulk.readiness': {},
  'bulk.setChecklist': { item: 'single_npi_and_practice', answer: true, note: '' },
  'bulk.eligible': {},
  'bulk.exclusions': {},
  'bulk.worklist': {},
  'bulk.fixContact': { contactId: 'con-000001', changes: { email: 'someone@example.com' } },
  'bulk.export': { kind: 'bulk_pin' },
  'import.preview': { files: [{ name: 'patients.csv', content: 'Chart,First,Last\nC1,Ana,Lopez\n' }] },
  'import.apply': { files: [{ name: 'patients.csv', content: 'Chart,First,Last\nC1,Ana,Lopez\n' }] },
  'jobs.cancel': { jobId: '00000000-0000-4000-8000-000000000000' },
  'audit.list': { filter: {} },
  'audit.export': { filter: {} },
  'campaign.start': { expectedGuardians: 1 },
  'clerks.list': {},
  'clerks.create': { username: 'intruder', displayName: 'Intruder', role: 'admin', password: 'long enough password', confirmPassword: 'long enough password' },
  'clerks.update': { clerkId: 'clerk-demo', role: 'admin' },
};
