import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import { webSession } from './api/webSession';
import { App } from './app/App';
import { LaunchRefused } from './app/LaunchRefused';
import './styles.css';

// The CSP forbids eval: tell zod not to probe for it (the probe shows up as a CSP violation).
z.config({ jitless: true });

const root = createRoot(document.getElementById('root')!);
// The app shows at once (keys typed straight away are not lost); in web mode its calls wait for the
// session the launch code opens, and a browser without one is told why instead.
root.render(
  <StrictMode>
    <App />
  </StrictMode>,
);
if (!window.api) {
  void webSession().then((state) => {
    if (state !== 'ready') root.render(<StrictMode>{<LaunchRefused state={state} />}</StrictMode>);
  });
}
