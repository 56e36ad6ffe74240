import { useEffect, useState } from 'react';
import type { FhirJwksView } from '../../../shared/fhir/fhirCalls';
import { call } from '../api/client';
import { ErrorNote } from '../components/ErrorNote';

/** Which family source the FHIR load uses, in the administrator's words (issue 15: "say which in the UI"). */
export function familySourceWords(groupId: string): string {
  return groupId
    ? `Families come from the EHR’s household groups (Group resources), for the patients of group “${groupId}”.`
    : 'Families are formed from shared guardians and the patient’s address (no group id is set: every patient is exported).';
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
