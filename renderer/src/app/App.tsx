import { useEffect, type KeyboardEvent } from 'react';
import { CheckinScreen } from '../checkin/CheckinScreen';
import { StatusBar } from '../components/StatusBar';
import { FamilyScreen } from '../family/FamilyScreen';
import { SearchScreen } from '../search/SearchScreen';
import { useNavigation } from './navigation';
import { useSession } from './sessionStore';

function isTypingTarget(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

export function App() {
  const { route, go, back } = useNavigation();
  const { session, error, loadSession } = useSession();

  useEffect(() => {
    void loadSession();
  }, [loadSession]);

  // Keyboard-first: type anywhere to search, "/" or Ctrl+K to jump to search, Esc to go back.
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && route.name !== 'checkin') {
      event.preventDefault();
      back();
      return;
    }
    if (isTypingTarget(event.target)) return;
    if ((event.key === 'k' && (event.ctrlKey || event.metaKey)) || event.key === '/') {
      event.preventDefault();
      go({ name: 'search', text: '' });
    } else if (event.key.length === 1 && /[\p{L}\p{N}@]/u.test(event.key) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      go({ name: 'search', text: event.key });
    }
  };

  return (
    <div className="app" onKeyDown={onKeyDown}>
      <header className="top-bar">
        <span className="brand">Family Portal PINs</span>
        <span className="practice">{session?.practiceName}</span>
        <nav aria-label="Screens">
          <button type="button" className={route.name === 'checkin' ? 'nav active' : 'nav'} onClick={() => go({ name: 'checkin' })}>
            Check-in
          </button>
          <button type="button" className={route.name === 'search' ? 'nav active' : 'nav'} onClick={() => go({ name: 'search', text: '' })}>
            Search <kbd>/</kbd>
          </button>
        </nav>
        {session?.demo && <span className="demo-flag">Demo practice</span>}
      </header>
      <main className="content">
        {error && <p role="alert" className="error">{error}</p>}
        {route.name === 'checkin' && <CheckinScreen />}
        {route.name === 'search' && <SearchScreen initialText={route.text} />}
        {route.name === 'family' && <FamilyScreen familyId={route.familyId} focusPatientId={route.focusPatientId} />}
      </main>
      <StatusBar />
    </div>
  );
}
