import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { ClerkAccount, ClerkRole } from '../../../shared/clerks/api';
import { MIN_PASSWORD_LENGTH } from '../../../shared/clerks/passwordRules';
import { useAuth } from '../auth/authStore';
import { useClerks } from './clerksStore';
import './clerks.css';
import { ErrorNote } from '../components/ErrorNote';
import { ColumnHeads } from '../components/ColumnHeads';

const ROLE_LABEL: Record<ClerkRole, string> = { admin: 'Administrator', clerk: 'Clerk' };

function passwordProblem(password: string, again: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password !== again) return 'The two passwords are not the same: type the password again.';
  return null;
}

/** Administrators add clerks, change roles, turn accounts off and replace forgotten passwords. */
export function ClerksScreen() {
  const { clerks, loadError, note, error, load } = useClerks();
  const me = useAuth((s) => s.state?.clerk?.id);
  useEffect(() => {
    useClerks.setState({ note: null, error: null });
    void load();
  }, [load]);

  return (
    <section className="screen clerks-screen" aria-labelledby="clerks-title">
      <header className="screen-header">
        <h1 id="clerks-title">Clerk accounts</h1>
        <p className="muted">Everyone at the desk signs in with their own account. Every change here is recorded in the audit log under your name.</p>
      </header>
      <ErrorNote message={loadError} />
      <p role="status" className="clerks-note">
        {note ?? ''}
      </p>
      <ErrorNote message={error} />
      {clerks && (
        <div className="table-scroll">
          <table className="clerks-table">
            <ColumnHeads names={['Name', 'Username', 'Role', 'Status', 'Password']} />
            <tbody>
              {clerks.map((clerk) => (
                <ClerkRow key={clerk.id} clerk={clerk} isMe={clerk.id === me} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <NewClerkForm />
    </section>
  );
}

function ClerkRow({ clerk, isMe }: { clerk: ClerkAccount; isMe: boolean }) {
  const { busy, update } = useClerks();
  const [resetting, setResetting] = useState(false);
  return (
    <tr className={clerk.active ? undefined : 'clerk-inactive'}>
      <th scope="row">
        {clerk.displayName}
        {isMe ? ' (you)' : ''}
      </th>
      <td>{clerk.username}</td>
      <td>
        {ROLE_LABEL[clerk.role]}{' '}
        <button
          type="button"
          disabled={busy}
          aria-label={clerk.role === 'admin' ? `Make ${clerk.displayName} a clerk` : `Make ${clerk.displayName} an administrator`}
          onClick={() => void update(clerk, { role: clerk.role === 'admin' ? 'clerk' : 'admin' })}
        >
          {clerk.role === 'admin' ? 'Make clerk' : 'Make administrator'}
        </button>
      </td>
      <td>
        {clerk.active ? 'Can sign in' : 'Turned off'}{' '}
        <button
          type="button"
          disabled={busy}
          aria-label={clerk.active ? `Turn off ${clerk.displayName}` : `Turn on ${clerk.displayName}`}
          onClick={() => void update(clerk, { active: !clerk.active })}
        >
          {clerk.active ? 'Turn off' : 'Turn on'}
        </button>
      </td>
      <td>
        {resetting ? (
          <ResetPassword clerk={clerk} onDone={() => setResetting(false)} />
        ) : (
          <button
            type="button"
            disabled={busy}
            aria-label={`${clerk.hasPassword ? 'Replace' : 'Set'} ${clerk.displayName}’s password`}
            onClick={() => setResetting(true)}
          >
            {clerk.hasPassword ? 'Replace password' : 'Set password'}
          </button>
        )}
      </td>
    </tr>
  );
}

function ResetPassword({ clerk, onDone }: { clerk: ClerkAccount; onDone(): void }) {
  const { busy, update } = useClerks();
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const found = passwordProblem(password, again);
    setProblem(found);
    if (found) return;
    if (await update(clerk, { newPassword: password, confirmPassword: again })) onDone();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    onDone();
  };
  return (
    <form className="clerks-reset" onSubmit={(event) => void onSubmit(event)} noValidate onKeyDown={onKeyDown}>
      <input
        ref={first}
        type="password"
        autoComplete="new-password"
        aria-label={`New password for ${clerk.displayName}`}
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <input type="password" autoComplete="new-password" aria-label="New password again" value={again} onChange={(e) => setAgain(e.target.value)} />
      <button type="submit" disabled={busy}>
        Save password
      </button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
      <ErrorNote message={problem} />
    </form>
  );
}

const EMPTY = { displayName: '', username: '', role: 'clerk' as ClerkRole, password: '', confirmPassword: '' };

function NewClerkForm() {
  const { busy, create } = useClerks();
  const [form, setForm] = useState(EMPTY);
  const [problem, setProblem] = useState<string | null>(null);
  const first = useRef<HTMLInputElement>(null);
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const found =
      !form.displayName.trim() || !form.username.trim() ? 'Enter the clerk’s name and a username.' : passwordProblem(form.password, form.confirmPassword);
    setProblem(found);
    if (found) return;
    if (await create({ ...form, displayName: form.displayName.trim(), username: form.username.trim() })) {
      setForm(EMPTY);
      first.current?.focus();
    }
  };
  const text = (key: 'displayName' | 'username' | 'password' | 'confirmPassword') => ({
    value: form[key],
    onChange: (event: { target: { value: string } }) => setForm({ ...form, [key]: event.target.value }),
  });
  return (
    <form className="clerks-new" aria-labelledby="clerks-new-title" onSubmit={(event) => void onSubmit(event)} noValidate>
      <h2 id="clerks-new-title">Add a clerk</h2>
      <label htmlFor="new-clerk-name">Name</label>
      <input ref={first} id="new-clerk-name" autoComplete="off" {...text('displayName')} />
      <label htmlFor="new-clerk-username">Username</label>
      <input id="new-clerk-username" autoComplete="off" autoCapitalize="none" spellCheck={false} {...text('username')} />
      <label htmlFor="new-clerk-role">Role</label>
      <select id="new-clerk-role" value={form.role} onChange={(event) => setForm({ ...form, role: event.target.value as ClerkRole })}>
        <option value="clerk">Clerk: issues PINs at the desk</option>
        <option value="admin">Administrator: also settings, accounts, import and Bulk PIN</option>
      </select>
      <label htmlFor="new-clerk-password">Password</label>
      <input id="new-clerk-password" type="password" autoComplete="new-password" aria-describedby="new-clerk-password-hint" {...text('password')} />
      <p id="new-clerk-password-hint" className="muted">
        At least {MIN_PASSWORD_LENGTH} characters. Give it to the clerk in person.
      </p>
      <label htmlFor="new-clerk-confirm">Password again</label>
      <input id="new-clerk-confirm" type="password" autoComplete="new-password" {...text('confirmPassword')} />
      <ErrorNote message={problem} />
      <button type="submit" className="primary" disabled={busy}>
        Add clerk
      </button>
    </form>
  );
}
