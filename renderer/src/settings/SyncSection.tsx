import { useEffect } from 'react';
import type { SettingKey, Settings } from '../../../shared/settings';
import { useSession } from '../app/sessionStore';
import { SecretField } from './SecretField';
import { SecretsUnknown, SettingsSection, type SectionFields, type SettingSection } from './SettingsSection';
import { useSecrets } from './secretsStore';
import { describeSync, useSyncProblems, useSyncRun } from './syncStore';
import { ErrorNote } from '../components/ErrorNote';
import { ColumnHeads } from '../components/ColumnHeads';
import { FamilySourceNote, FhirKeyPanel } from './FhirKeyPanel';

const FHIR_KEYS: ReadonlySet<SettingKey> = new Set(['fhirBaseUrl', 'fhirClientId', 'fhirGroupId', 'fhirScopes', 'fhirTokenUrl']);

/**
 * Practice system (sync): where the mirror is filled from (the sync protocol or FHIR R4), the
 * address, the token (administrators), the FHIR settings and this desk's public key (FHIR),
 * Sync now, and the records set aside (administrators).
 */
export function SyncSection({ section, fields, saved, isAdmin }: { section: SettingSection; fields: SectionFields; saved: Settings; isAdmin: boolean }) {
  const fhir = fields.draft.syncSource === 'fhir';
  const lastSyncAt = useSession((s) => s.status?.lastSyncAt ?? null);
  return (
    <SettingsSection section={section} fields={fields} shown={(key) => fhir || !FHIR_KEYS.has(key)}>
      {isAdmin && <SecretField secretKey="syncToken" />}
      {fhir && <FamilySourceNote lastSyncAt={lastSyncAt} />}
      {fhir && isAdmin && <FhirKeyPanel />}
      <SyncNow saved={saved} draft={fields.draft} />
      {isAdmin && <SyncProblems />}
      {isAdmin && <SecretsUnknown what="sync token" />}
    </SettingsSection>
  );
}

/** Pulls from the practice system now and says what came in, or why it could not. */
function SyncNow({ saved, draft }: { saved: Settings; draft: SectionFields['draft'] }) {
  const { running, summary, error, syncNow } = useSyncRun();
  const status = useSession((s) => s.status);
  const tokenSet = useSecrets((s) => s.stored?.syncToken ?? null);
  const fhir = saved.syncSource === 'fhir';
  const configured = fhir ? saved.fhirBaseUrl !== '' && saved.fhirClientId !== '' : saved.syncUrl !== '';
  // A new address or token: what the last Sync now said ("not set up", a refused token) is about the old one.
  const reset = useSyncRun((s) => s.reset);
  // biome-ignore lint/correctness/useExhaustiveDependencies(saved.syncUrl): a saved address change is the trigger, not an input
  // biome-ignore lint/correctness/useExhaustiveDependencies(tokenSet): a saved token change is the trigger, not an input
  // biome-ignore lint/correctness/useExhaustiveDependencies(saved.syncSource): a saved source change is the trigger, not an input
  // biome-ignore lint/correctness/useExhaustiveDependencies(saved.fhirBaseUrl): a saved FHIR address change is the trigger, not an input
  useEffect(() => reset(), [saved.syncUrl, saved.syncSource, saved.fhirBaseUrl, tokenSet, reset]);
  let help = '';
  const unsaved = fhir
    ? draft.fhirBaseUrl.trim() !== saved.fhirBaseUrl || draft.fhirClientId.trim() !== saved.fhirClientId || draft.fhirGroupId.trim() !== saved.fhirGroupId
    : draft.syncUrl.trim() !== saved.syncUrl;
  if (draft.syncSource !== saved.syncSource) help = 'Sync now uses the saved choice: save it first.';
  else if (!configured)
    help = fhir ? 'Enter the FHIR base address and client id above and save, then sync.' : 'Enter the sync service address above and save, then sync.';
  else if (unsaved) help = 'Sync now uses the saved settings: save the new ones first.';
  else if (!fhir && tokenSet === false) help = 'Set the sync token above first: the sync service needs it.';
  const lastSync = status?.lastSyncAt ? new Date(status.lastSyncAt).toLocaleString() : 'never';

  return (
    <div className="settings-field settings-sync">
      <div className="settings-sync-row">
        <button
          type="button"
          className="settings-sync-button"
          disabled={running || !configured}
          aria-describedby="sync-now-help sync-now-result"
          onClick={() => void syncNow()}
        >
          Sync now
        </button>
        <span id="sync-now-help" className="settings-save-help">
          {running ? 'Syncing… the status bar shows how far it is.' : help || `Last sync: ${lastSync}.`}
        </span>
      </div>
      <p id="sync-now-result" className="settings-sync-result" aria-live="polite">
        {summary ? describeSync(summary) : ''}
      </p>
      <ErrorNote message={error} lead="Sync did not finish: " className="settings-failed" />
    </div>
  );
}

const PROBLEM_KIND_WORDS: Record<string, string> = {
  family: 'Family',
  patient: 'Patient',
  contact: 'Family Contact',
  patientContact: 'Patient–contact link',
  appointment: 'Appointment',
  tombstone: 'Removal',
  pin: 'PIN from another desk',
  guardian: 'Guardian enrollment',
  fhir: 'FHIR resource',
};

/** Administrators: records the pull set aside (the rest of their page was applied), to report to the vendor. */
function SyncProblems() {
  const { list, loading, error, load } = useSyncProblems();
  const summary = useSyncRun((s) => s.summary);
  // Reloaded after each Sync now, which may add or clear problems.
  // biome-ignore lint/correctness/useExhaustiveDependencies(summary): each Sync now's summary is the trigger, not an input
  useEffect(() => {
    void load();
  }, [load, summary]);
  return (
    <section className="settings-field settings-sync-problems" aria-labelledby="sync-problems-title">
      <h3 id="sync-problems-title">Sync problems</h3>
      <ErrorNote message={error} lead="Could not read the list: " />
      {!error && list && list.total === 0 && <p className="settings-hint">None: every record the practice system sent could be read.</p>}
      {!error && list && list.total > 0 && (
        <>
          <p className="settings-hint">
            {list.total === 1 ? 'One record' : `${list.total.toLocaleString('en-US')} records`} from the practice system could not be applied and
            {list.total === 1 ? ' was' : ' were'} set aside; everything else was. Send this list to the practice system’s vendor. A record leaves the list once
            a corrected copy arrives.
          </p>
          <table className="sync-problems-table">
            <ColumnHeads names={['Record', 'Id', 'Problem', 'Seen']} />
            <tbody>
              {list.problems.map((p) => (
                <tr key={`${p.kind}:${p.recordId}`}>
                  <td>{PROBLEM_KIND_WORDS[p.kind] ?? p.kind}</td>
                  <td>{p.recordId}</td>
                  <td>{p.problem}</td>
                  <td>{new Date(p.seenAt).toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.total > list.problems.length && <p className="settings-hint">Showing the newest {list.problems.length}.</p>}
        </>
      )}
      {loading && !list && <p className="settings-hint">Reading…</p>}
    </section>
  );
}
