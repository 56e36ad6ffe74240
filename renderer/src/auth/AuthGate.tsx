import { useEffect, useRef, useState, type FormEvent } from 'react';
import { MIN_PASSWORD_LENGTH } from '../../../shared/clerks/passwordRules';
import { useAuth } from './authStore';
import './auth.css';
import { ErrorNote } from '../components/ErrorNote';

/** What stands in front of the app: first-run setup, or the sign-in / lock screen. */
export function AuthGate({ practiceName }: { practiceName: string | null }) {
  const state = useAuth((s) => s.state);
  if (!state) return null;
  return (
    <div className="auth-gate" role="dialog" aria-modal="true" aria-labelledby="auth-title">
      <div className="auth-card">
        <p className="auth-brand">Family Portal PINs{practiceName ? ` · ${practiceName}` : ''}</p>
        {state.setupNeeded && !state.clerk ? <SetupAdministrator /> : <SignIn />}
      </div>
    </div>
  );
}

function SignIn() {
  const { state, error, busy, signIn } = useAuth();
  const lockedBy = state?.locked ? state.clerk : null;
  const [username, setUsername] = useState(lockedBy?.username ?? '');
  const [password, setPassword] = useState('');
  const usernameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  // The clerk who locked the station usually comes back: their username is filled, the cursor waits in the password.
  useEffect(() => {
    (lockedBy ? passwordRef : usernameRef).current?.focus();
  }, [lockedBy]);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (!username.trim() || !password) return;
    const ok = await signIn(username, password);
    if (!ok) {
      setPassword('');
      passwordRef.current?.focus();
    }
  };

  return (
    <form className="auth-form" onSubmit={(event) => void onSubmit(event)} noValidate>
      <h1 id="auth-title">{lockedBy ? 'Workstation locked' : 'Sign in'}</h1>
      <p className="auth-lead">
        {lockedBy
          ? `${lockedBy.displayName} locked this workstation. Sign in to carry on where you left off, or sign in as another clerk to start at check-in (${lockedBy.displayName}’s unfinished work is kept for them).`
          : 'Sign in with your own account: everything you do is recorded under your name.'}
      </p>
      <label htmlFor="auth-username">Username</label>
      <input
        ref={usernameRef}
        id="auth-username"
        name="username"
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        value={username}
        onChange={(event) => setUsername(event.target.value)}
      />
      <label htmlFor="auth-password">Password</label>
      <input
        ref={passwordRef}
        id="auth-password"
        name="password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(event) => setPassword(event.target.value)}
      />
      <ErrorNote message={error} className="auth-error" />
      <button type="submit" className="primary auth-submit" disabled={busy || !username.trim() || !password}>
        {busy ? 'Signing in…' : lockedBy ? 'Unlock' : 'Sign in'}
      </button>
      {state?.demoAccounts && state.demoAccounts.length > 0 && (
        <section className="auth-demo" aria-labelledby="auth-demo-title">
          <h2 id="auth-demo-title">Demo practice accounts</h2>
          <p className="auth-hint">Shown only in the demo practice. A real install has no known passwords.</p>
          <ul>
            {state.demoAccounts.map((account) => (
              <li key={account.username}>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => {
                    setUsername(account.username);
                    setPassword(account.password);
                    passwordRef.current?.focus();
                  }}
                >
                  Use {account.displayName}
                </button>{' '}
                ({account.role === 'admin' ? 'administrator' : 'clerk'}): username <code>{account.username}</code>, password <code>{account.password}</code>
              </li>
            ))}
          </ul>
        </section>
      )}
    </form>
  );
}

function SetupAdministrator() {
  const { error, busy, setupAdmin } = useAuth();
  const [form, setForm] = useState({ displayName: '', username: '', password: '', confirmPassword: '' });
  const [problem, setProblem] = useState<string | null>(null);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const field = (key: keyof typeof form) => ({
    value: form[key],
    onChange: (event: { target: { value: string } }) => setForm({ ...form, [key]: event.target.value }),
  });

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (!form.displayName.trim() || !form.username.trim()) return setProblem('Enter the administrator’s name and a username.');
    if (form.password.length < MIN_PASSWORD_LENGTH) return setProblem(`Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`);
    if (form.password !== form.confirmPassword) return setProblem('The two passwords are not the same: type the password again.');
    setProblem(null);
    await setupAdmin({ ...form, username: form.username.trim(), displayName: form.displayName.trim() });
  };

  const shown = problem ?? error;
  return (
    <form className="auth-form" onSubmit={(event) => void onSubmit(event)} noValidate>
      <h1 id="auth-title">Create the administrator</h1>
      <p className="auth-lead">
        This is the first start of this install. The administrator manages settings, clerk accounts, imports and the Bulk PIN campaign, and creates an account
        for each clerk.
      </p>
      <label htmlFor="setup-name">Administrator’s name</label>
      <input ref={first} id="setup-name" autoComplete="name" {...field('displayName')} />
      <label htmlFor="setup-username">Username</label>
      <input
        id="setup-username"
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        aria-describedby="setup-username-hint"
        {...field('username')}
      />
      <p id="setup-username-hint" className="auth-hint">
        Letters, digits, dots, dashes or underscores.
      </p>
      <label htmlFor="setup-password">Password</label>
      <input id="setup-password" type="password" autoComplete="new-password" aria-describedby="setup-password-hint" {...field('password')} />
      <p id="setup-password-hint" className="auth-hint">
        At least {MIN_PASSWORD_LENGTH} characters. A short sentence is easy to remember and hard to guess.
      </p>
      <label htmlFor="setup-confirm">Password again</label>
      <input id="setup-confirm" type="password" autoComplete="new-password" {...field('confirmPassword')} />
      <ErrorNote message={shown} className="auth-error" />
      <button type="submit" className="primary auth-submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create administrator and sign in'}
      </button>
    </form>
  );
}
