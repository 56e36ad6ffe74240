import { useEffect } from 'react';
import { AuditScreen } from '../audit/AuditScreen';
import { ReadinessScreen } from '../bulk/ReadinessScreen';
import { WorklistScreen } from '../bulk/WorklistScreen';
import { CheckinScreen } from '../checkin/CheckinScreen';
import { StatusBar } from '../components/StatusBar';
import { FamilyScreen } from '../family/FamilyScreen';
import { ImportScreen } from '../importer/ImportScreen';
import { MailDropScreen } from '../maildrop/MailDropScreen';
import { OutboxScreen } from '../outbox/OutboxScreen';
import { SearchScreen } from '../search/SearchScreen';
import { SettingsScreen } from '../settings/SettingsScreen';
import { PacketScreen } from '../wizard/PacketScreen';
import { WizardScreen } from '../wizard/WizardScreen';
import { onAuthLost } from '../api/client';
import { AuthGate } from '../auth/AuthGate';
import { useAuth } from '../auth/authStore';
import { useActivityReports } from '../auth/useActivity';
import { ClerksScreen } from '../clerks/ClerksScreen';
import { BULK_ROUTES, useNavigation, type OutboxTab } from './navigation';
import { useSession } from './sessionStore';
import { ErrorNote } from '../components/ErrorNote';

function isTypingTarget(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

/** The tab worth opening: what needs attention, unless nothing does and something is waiting. */
function defaultOutboxTab(): OutboxTab {
  const status = useSession.getState().status;
  return status && status.outboxNeedsAttention === 0 && status.outboxWaiting > 0 ? 'pending' : 'needs_attention';
}

export function App() {
  const { route, go } = useNavigation();
  const { session, error, loadSession } = useSession();
  const auth = useAuth((s) => s.state);
  const generation = useAuth((s) => s.generation);
  const clerk = auth?.clerk ?? null;
  const isAdmin = clerk?.role === 'admin';
  // Locked, signed out or first run: the gate covers the app (the app's state stays, out of sight).
  // Until main has answered, the app shows (keys typed at once are not lost); main refuses its calls anyway.
  const gated = auth !== null && (!clerk || auth.locked);

  useEffect(() => {
    void useAuth.getState().refresh();
    // Any call refused as locked or signed out (the station locked itself after inactivity) shows the lock screen.
    return onAuthLost(() => void useAuth.getState().refresh());
  }, []);
  useActivityReports(Boolean(clerk) && !auth?.locked, auth?.lockAfterMinutes ?? 5);

  // Who is signed in changed: the session (top bar, role) and the status bar follow.
  // biome-ignore lint/correctness/useExhaustiveDependencies(clerk?.id): the trigger is a change of clerk, which the effect does not read
  useEffect(() => {
    void loadSession();
    void useSession.getState().refreshStatus();
  }, [loadSession, clerk?.id]);

  // Keyboard-first, wherever the focus is: type to search, "/" or Ctrl+K for search, Esc back.
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      const { state } = useAuth.getState();
      if (state && (!state.clerk || state.locked)) return; // the sign-in screen has the keyboard
      // Ctrl+L locks at once, even while typing: the clerk is stepping away.
      if (event.key.toLowerCase() === 'l' && (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey) {
        event.preventDefault();
        void useAuth.getState().lock();
        return;
      }
      const nav = useNavigation.getState();
      if (event.key === 'Escape') {
        // Escape never throws away what the clerk typed: in a field holding text it only leaves
        // the field; the next Escape goes back.
        if (isTypingTarget(event.target) && !(event.target instanceof HTMLSelectElement) && (event.target as HTMLInputElement).value !== '') {
          event.preventDefault();
          (event.target as HTMLElement).blur();
          return;
        }
        if (nav.stepBack?.()) {
          event.preventDefault();
          return;
        }
        if (nav.route.name !== 'checkin') {
          event.preventDefault();
          nav.back();
        }
        return;
      }
      if (isTypingTarget(event.target)) return;
      if ((event.key === 'k' && (event.ctrlKey || event.metaKey)) || event.key === '/') {
        event.preventDefault();
        nav.go({ name: 'search', text: '' });
      } else if (event.key.length === 1 && /[\p{L}\p{N}@]/u.test(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        nav.go({ name: 'search', text: event.key });
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  return (
    <>
      {(clerk || !auth) && (
        <div className="app" hidden={gated} inert={gated}>
          <header className="top-bar no-print">
            <span className="brand">Family Portal PINs</span>
            <span className="practice">{session?.practiceName}</span>
            <nav aria-label="Screens">
              <button type="button" className={route.name === 'checkin' ? 'nav active' : 'nav'} onClick={() => go({ name: 'checkin' })}>
                Check-in
              </button>
              <button type="button" className={route.name === 'search' ? 'nav active' : 'nav'} onClick={() => go({ name: 'search', text: '' })}>
                Search <kbd>/</kbd>
              </button>
              <button type="button" className={route.name === 'outbox' ? 'nav active' : 'nav'} onClick={() => go({ name: 'outbox', tab: defaultOutboxTab() })}>
                Outbox
              </button>
              <button
                type="button"
                className={BULK_ROUTES.includes(route.name) ? 'nav active' : 'nav'}
                disabled={!isAdmin}
                title={isAdmin ? undefined : 'Administrator only: ask an administrator to sign in'}
                onClick={() => go({ name: 'bulk' })}
              >
                Bulk PIN{!isAdmin && <span className="admin-only"> (administrator only)</span>}
              </button>
              <button type="button" className={route.name === 'settings' ? 'nav active' : 'nav'} onClick={() => go({ name: 'settings' })}>
                Settings
              </button>
              <button
                type="button"
                className={route.name === 'audit' ? 'nav active' : 'nav'}
                disabled={!isAdmin}
                title={isAdmin ? undefined : 'Administrator only: ask an administrator to sign in'}
                onClick={() => go({ name: 'audit' })}
              >
                Audit log{!isAdmin && <span className="admin-only"> (administrator only)</span>}
              </button>
            </nav>
            {session?.demo && <span className="demo-flag">Demo practice</span>}
            {clerk && (
              <span className="clerk-controls">
                {/* biome-ignore lint/a11y/useSemanticElements: a named group in the top bar, not a form: a <fieldset> does not belong here */}
                <span className="signed-in" role="group" aria-label="Signed in" title={isAdmin ? 'Administrator' : 'Clerk'}>
                  {clerk.displayName}
                </span>
                <button type="button" className="nav" title="Lock this workstation (Ctrl+L)" onClick={() => void useAuth.getState().lock()}>
                  Lock <kbd>Ctrl+L</kbd>
                </button>
                <button type="button" className="nav" onClick={() => void useAuth.getState().signOut()}>
                  Sign out
                </button>
              </span>
            )}
          </header>
          {/* A clerk signing in at another's locked station gets fresh screens. */}
          <main className="content" key={generation}>
            <ErrorNote message={error} />
            {route.name === 'checkin' && <CheckinScreen />}
            {route.name === 'search' && <SearchScreen initialText={route.text} />}
            {route.name === 'family' && <FamilyScreen familyId={route.familyId} focusPatientId={route.focusPatientId} />}
            {route.name === 'wizard' && <WizardScreen familyId={route.familyId} visit={route} replacePatientId={route.replacePatientId} />}
            {route.name === 'packet' && <PacketScreen batchId={route.batchId} />}
            {route.name === 'settings' && <SettingsScreen />}
            {route.name === 'outbox' && <OutboxScreen tab={route.tab} />}
            {route.name === 'maildrop' && <MailDropScreen />}
            {route.name === 'bulk' && <ReadinessScreen />}
            {route.name === 'worklist' && <WorklistScreen problem={route.problem ?? null} offset={route.offset ?? 0} />}
            {route.name === 'import' && <ImportScreen />}
            {route.name === 'clerks' && <ClerksScreen />}
            {route.name === 'audit' && <AuditScreen />}
          </main>
          <StatusBar />
        </div>
      )}
      {gated && <AuthGate practiceName={session?.practiceName ?? null} />}
    </>
  );
}
