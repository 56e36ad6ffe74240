import type { GuardianPlan } from '../../../shared/domain/plan';
import { packetLanguages } from '../packet/packetWords';
import { ReasonInput } from './ReasonInput';
import { without } from './wizardPlan';
import { useWizard } from './wizardStore';

/** Step 2, per account owner: who gets the email and in which language, which child's PIN it carries, a re-sent Welcome email. */

export function GuardianOptions({ guardian }: { guardian: GuardianPlan }) {
  const { choices, setChoices } = useWizard();
  const override = choices.recipientByGuardian[guardian.guardianContactId];
  const firstChild = guardian.emailChildId ?? guardian.children[0]?.patientId;
  // Who may own the account is the plan's decision (recipientOptions); this only offers it.
  const options = guardian.recipientOptions;
  const resend = choices.resendWelcome[guardian.recipient.contactId];
  const welcomeAlready = guardian.fallback?.code === 'welcome_already' || resend !== undefined;
  return (
    <fieldset className="guardian-options">
      <legend>Account owner: {guardian.recipient.name}</legend>
      <ul className="planned-children">
        {guardian.children.map((c) => (
          <li key={c.patientId}>
            <label>
              <input type="checkbox" checked onChange={() => setChoices((ch) => ({ ...ch, include: { ...ch.include, [c.patientId]: false } }))} />
              {c.firstName} {c.lastName}:{' '}
              {c.delivery === 'email' ? 'PIN in the Welcome email' : guardian.accountExists ? 'printed add-child slip' : 'printed slip'}
            </label>
            {(c.warnings ?? []).map((w) => (
              <p key={w} className="warning">
                ⚠ {w}
              </p>
            ))}
          </li>
        ))}
      </ul>
      <div className="option-row">
        <label>
          Packet{guardian.mode === 'email' ? ' and Welcome email' : ''} in:{' '}
          <select
            value={guardian.language}
            onChange={(e) => setChoices((ch) => ({ ...ch, languageByGuardian: { ...ch.languageByGuardian, [guardian.recipient.contactId]: e.target.value } }))}
          >
            {packetLanguages().map((l) => (
              <option key={l.code} value={l.code}>
                {l.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {guardian.children.length > 1 && !guardian.accountExists && (
        <div className="option-row" role="radiogroup" aria-label={`Child whose PIN ${guardian.mode === 'email' ? 'goes by email' : 'comes first'}`}>
          <span>{guardian.mode === 'email' ? 'Welcome email carries the PIN of:' : 'First PIN (creates the account):'}</span>
          {guardian.children.map((c) => (
            <label key={c.patientId}>
              <input
                type="radio"
                name={`first-${guardian.guardianContactId}`}
                checked={firstChild === c.patientId}
                onChange={() =>
                  setChoices((ch) => ({ ...ch, firstChildByGuardian: { ...ch.firstChildByGuardian, [guardian.guardianContactId]: c.patientId } }))
                }
              />
              {c.firstName}
            </label>
          ))}
        </div>
      )}
      {options.length > 1 && (
        <div className="option-row">
          <label>
            Send to and account owner:{' '}
            <select
              value={override?.contactId ?? guardian.guardianContactId}
              onChange={(e) =>
                setChoices((ch) =>
                  e.target.value === guardian.guardianContactId
                    ? { ...ch, recipientByGuardian: without(ch.recipientByGuardian, guardian.guardianContactId) }
                    : {
                        ...ch,
                        recipientByGuardian: {
                          ...ch.recipientByGuardian,
                          [guardian.guardianContactId]: { contactId: e.target.value, reason: ch.recipientByGuardian[guardian.guardianContactId]?.reason ?? '' },
                        },
                      },
                )
              }
            >
              {options.map((c) => (
                <option key={c.contactId} value={c.contactId}>
                  {c.name}
                  {c.email ? ` (${c.email})` : ' (no usable email)'}
                </option>
              ))}
            </select>
          </label>
          {override && (
            <ReasonInput
              label="Reason for the change (recorded):"
              value={override.reason}
              onChange={(reason) =>
                setChoices((ch) => ({
                  ...ch,
                  recipientByGuardian: { ...ch.recipientByGuardian, [guardian.guardianContactId]: { contactId: override.contactId, reason } },
                }))
              }
            />
          )}
        </div>
      )}
      {welcomeAlready && (
        <div className="option-row">
          <label>
            <input
              type="checkbox"
              checked={resend !== undefined}
              onChange={(e) =>
                setChoices((ch) => ({
                  ...ch,
                  resendWelcome: e.target.checked
                    ? { ...ch.resendWelcome, [guardian.recipient.contactId]: '' }
                    : without(ch.resendWelcome, guardian.recipient.contactId),
                }))
              }
            />
            Send another Welcome email anyway
          </label>
          {resend !== undefined && (
            <ReasonInput
              label="Reason (recorded):"
              value={resend}
              onChange={(reason) => setChoices((ch) => ({ ...ch, resendWelcome: { ...ch.resendWelcome, [guardian.recipient.contactId]: reason } }))}
            />
          )}
        </div>
      )}
    </fieldset>
  );
}
