import { useEffect, useState } from 'react';
import type { FhirJwksView } from '../../../shared/fhir/fhirCalls';
import { FAMILY_SOURCE_WORDS, type FamilySourceSummary } from '../../../shared/fhir/familySource';
import { call } from '../api/client';
import { ErrorNote } from '../components/ErrorNote';

/** Where the last FHIR load's families came from (issue 15: "say which in the UI"). */
export function FamilySourceNote({ lastSyncAt }: { lastSyncAt: string | null }) {
  const [summary, setSummary] = useState<FamilySourceSummary | null | undefined>(undefined);
  // Read again after each sync, which may change it.
  // biome-ignore lint/correctness/useExhaustiveDependencies(lastSyncAt): each sync is the trigger, not an input
  useEffect(() => {
    let live = true;
    call('fhir.familySource', {}).then(
      (value) => live && setSummary(value),
      () => live && setSummary(null),
    );
    return () => {
      live = false;
    };
  }, [lastSyncAt]);
  if (summary === undefined) return null;
  const n = (x: number) => x.toLocaleString('en-US');
  return (
    <p className="settings-hint fhir-family-source">
      {summary
        ? `${FAMILY_SOURCE_WORDS[summary.source]} Last load: ${n(summary.households)} patients placed by household group, ${n(summary.derived)} by shared guardian and address, ${n(summary.mirror)} kept in their family.`
        : 'Families come from the EHR’s household groups where it has them, otherwise from children who share a parent or guardian and a home address. After the first sync this says which.'}
    </p>
  );
}

/** Administrators: this desk's public key (JWKS) to register with the EHR under the client id, with a copy button. */
export function FhirKeyPanel() {
  const [view, setView] = useState<FhirJwksView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    let live = true;
    call('fhir.jwks', {}).then(
      (value) => live && setView(value),
      (e: unknown) => live && setError((e as Error).message),
    );
    return () => {
      live = false;
    };
  }, []);
  const copy = async () => {
    if (!view) return;
    try {
      await navigator.clipboard.writeText(view.jwks);
      setCopied(true);
    } catch {
      setError('Could not copy: select the key text and copy it by hand.');
    }
  };
  return (
    <section className="settings-field fhir-jwks" aria-labelledby="fhir-jwks-title">
      <h3 id="fhir-jwks-title">This desk’s public key (JWKS)</h3>
      <p className="settings-hint">
        Give this to the EHR administrator to register with the client id above. It holds only the public half of the key ({view?.alg ?? 'ES384'}); the private
        key never leaves this computer.
      </p>
      <ErrorNote message={error} lead="Could not read the key: " />
      {view && (
        <>
          <textarea className="fhir-jwks-text" aria-label="Public key (JWKS)" readOnly rows={12} value={view.jwks} />
          <div className="settings-sync-row">
            <button type="button" onClick={() => void copy()}>
              Copy JWKS
            </button>
            <span className="settings-save-help" aria-live="polite">
              {copied ? 'Copied.' : `Key id ${view.kid}`}
            </span>
          </div>
        </>
      )}
      {!view && !error && <p className="settings-hint">Reading…</p>}
    </section>
  );
}
