import type { WebSessionState } from '../api/webSession';

const EXPLANATIONS: Record<Exclude<WebSessionState, 'ready'>, { title: string; body: string }> = {
  code_used: {
    title: 'This address was already used',
    body:
      'Each address web mode prints opens the app once, in the first browser that opens it. ' +
      'Go back to that browser window: it is still signed in. To open the app here instead, stop web mode ' +
      '(Ctrl+C where it runs), start it again with `npm run start:web`, and open the new address it prints.',
  },
  no_session: {
    title: 'Open the app with the address web mode printed',
    body:
      'This browser has no session with the app. Open the address `npm run start:web` printed when it started ' +
      '(it works once). If web mode was restarted, use the new address it printed.',
  },
  unreachable: {
    title: 'The app is not answering',
    body: 'Web mode does not seem to be running. Start it with `npm run start:web` and open the address it prints.',
  },
};

/** What a browser without this launch's session sees instead of the app (web mode only). */
export function LaunchRefused({ state }: { state: Exclude<WebSessionState, 'ready'> }) {
  const { title, body } = EXPLANATIONS[state];
  return (
    <main className="launch-refused" aria-labelledby="launch-refused-title">
      <h1 id="launch-refused-title">{title}</h1>
      {/* `npm run start:web` and the like, shown as code */}
      {/* biome-ignore lint/suspicious/noArrayIndexKey: the parts of a fixed sentence, never reordered */}
      <p>{body.split('`').map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part))}</p>
    </main>
  );
}
