import { useEffect } from 'react';
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
import { PacketScreen, WizardScreen } from '../wizard/WizardScreen';
import { BULK_ROUTES, useNavigation, type OutboxTab } from './navigation';
import { useSession } from './sessionStore';

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

  useEffect(() => {
    void loadSession();
  }, [loadSession]);

  // Keyboard-first, wherever the focus is: type to search, "/" or Ctrl+K for search, Esc back.
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      const nav = useNavigation.getState();
      if (event.key === 'Escape' && nav.route.name !== 'checkin') {
        event.preventDefault();
        nav.back();
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
    <div className="app">
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
          <button
            type="button"
            className={route.name === 'outbox' ? 'nav active' : 'nav'}
            onClick={() => go({ name: 'outbox', tab: defaultOutboxTab() })}
          >
            Outbox
          </button>
          <button type="button" className={BULK_ROUTES.includes(route.name) ? 'nav active' : 'nav'} onClick={() => go({ name: 'bulk' })}>
            Bulk PIN
          </button>
          <button type="button" className={route.name === 'settings' ? 'nav active' : 'nav'} onClick={() => go({ name: 'settings' })}>
            Settings
          </button>
        </nav>
        {session?.demo && <span className="demo-flag">Demo practice</span>}
      </header>
      <main className="content">
        {error && <p role="alert" className="error">{error}</p>}
        {route.name === 'checkin' && <CheckinScreen />}
        {route.name === 'search' && <SearchScreen initialText={route.text} />}
        {route.name === 'family' && <FamilyScreen familyId={route.familyId} focusPatientId={route.focusPatientId} />}
        {route.name === 'wizard' && <WizardScreen familyId={route.familyId} />}
        {route.name === 'packet' && <PacketScreen batchId={route.batchId} />}
        {route.name === 'settings' && <SettingsScreen />}
        {route.name === 'outbox' && <OutboxScreen tab={route.tab} />}
        {route.name === 'maildrop' && <MailDropScreen />}
        {route.name === 'bulk' && <ReadinessScreen />}
        {route.name === 'worklist' && <WorklistScreen problem={route.problem ?? null} offset={route.offset ?? 0} />}
        {route.name === 'import' && <ImportScreen />}
      </main>
      <StatusBar />
    </div>
  );
}
