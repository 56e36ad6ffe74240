import { formatUsDate } from '../../../shared/domain/dates';
import type { Answer } from './http';

/**
 * The parent's side of the portal as plain server-rendered HTML: no scripts, no inline styles
 * (the CSP forbids both), every form a POST, every value escaped.
 */

export const CONTENT_SECURITY_POLICY = "default-src 'self'; style-src 'self'";

export const PIN_DOB_MISMATCH = 'That PIN and date of birth do not match our records.';
export const TOO_MANY_ATTEMPTS = 'Too many attempts. Please wait 15 minutes before trying again.';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function htmlAnswer(status: number, html: string, headers: Record<string, string | string[]> = {}): Answer {
  return { status, headers: { ...PAGE_HEADERS, ...headers }, body: html };
}

export function redirect(location: string, headers: Record<string, string | string[]> = {}): Answer {
  return { status: 303, headers: { ...PAGE_HEADERS, location, ...headers }, body: '' };
}

function layout(title: string, signedIn: boolean, main: string): string {
  const nav = signedIn
    ? `<nav class="top-nav" aria-label="Account">
         <a href="/account">My Account</a>
         <form method="post" action="/signout" class="inline"><button type="submit" class="link">Sign out</button></form>
       </nav>`
    : `<nav class="top-nav" aria-label="Account"><a href="/signin">Sign in</a></nav>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Patient Portal</title>
<link rel="stylesheet" href="/portal.css">
</head>
<body>
<header class="bar"><a class="brand" href="/">Patient Portal</a>${nav}</header>
<main>
${main}
</main>
</body>
</html>
`;
}

const errorBox = (message: string | undefined) => (message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : '');

const field = (id: string, label: string, attributes: string, hint?: string) => `
  <div class="field">
    <label for="${id}">${escapeHtml(label)}</label>
    ${hint ? `<span class="hint" id="${id}-hint">${escapeHtml(hint)}</span>` : ''}
    <input id="${id}" name="${id}" ${attributes}${hint ? ` aria-describedby="${id}-hint"` : ''}>
  </div>`;

const childFields = (values: { dateOfBirth?: string }) =>
  field(
    'dateOfBirth',
    "Child's date of birth",
    `type="text" inputmode="numeric" autocomplete="off" placeholder="MM/DD/YYYY" required value="${escapeHtml(values.dateOfBirth ?? '')}"`,
    'MM/DD/YYYY',
  ) +
  field(
    'pin',
    'PIN',
    'type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" required',
    'From the Welcome email or the printed slip. Dashes, spaces and letter case do not matter.',
  );

export function landingPage(signedIn: boolean): string {
  return layout(
    'Welcome',
    signedIn,
    `<h1>Welcome to the Patient Portal</h1>
<p>See your children's visits and messages from the practice. You need the PIN the practice gave you and your child's date of birth.</p>
<ul class="actions">
  <li><a class="button" href="/register">Create your account</a></li>
  <li><a class="button secondary" href="/signin">Sign in</a></li>
</ul>
${signedIn ? '<p><a href="/account">Go to My Account</a></p>' : ''}`,
  );
}

export function registerPage(values: { email?: string; dateOfBirth?: string; error?: string } = {}): string {
  return layout(
    'Create your account',
    false,
    `<h1>Create your account</h1>
${errorBox(values.error)}
<form method="post" action="/register" class="card">
  ${field('email', 'Email address', `type="email" autocomplete="email" required value="${escapeHtml(values.email ?? '')}"`)}
  ${field('password', 'Password', 'type="password" autocomplete="new-password" minlength="8" required', 'At least 8 characters.')}
  <h2>Your child</h2>
  ${childFields(values)}
  <button type="submit">Create account</button>
</form>
<p>Already have an account? <a href="/signin">Sign in</a>, then go to <strong>My Account &gt; Add child/dependent</strong>.</p>`,
  );
}

export function signInPage(values: { email?: string; error?: string } = {}): string {
  return layout(
    'Sign in',
    false,
    `<h1>Sign in</h1>
${errorBox(values.error)}
<form method="post" action="/signin" class="card">
  ${field('email', 'Email address', `type="email" autocomplete="email" required value="${escapeHtml(values.email ?? '')}"`)}
  ${field('password', 'Password', 'type="password" autocomplete="current-password" required')}
  <button type="submit">Sign in</button>
</form>
<p>New here? <a href="/register">Create your account</a></p>`,
  );
}

export interface ChildLine {
  firstName: string;
  lastName: string;
  dateOfBirth: string | null;
}

export function accountPage(view: { email: string; children: ChildLine[]; welcome: boolean; notice?: string }): string {
  const children = view.children
    .map(
      (c) =>
        `<li><span class="child-name">${escapeHtml(`${c.firstName} ${c.lastName}`)}</span>${
          c.dateOfBirth ? ` <span class="dob">born ${escapeHtml(formatUsDate(c.dateOfBirth))}</span>` : ''
        }</li>`,
    )
    .join('\n    ');
  return layout(
    'My Account',
    true,
    `<h1>My Account</h1>
<p class="muted">Signed in as ${escapeHtml(view.email)}</p>
${view.notice ? `<p class="notice" role="status">${escapeHtml(view.notice)}</p>` : ''}
${
  view.welcome
    ? `<section class="card welcome">
  <h2>Your account is ready</h2>
  <p>Do you have another child at the practice? Add them now with their own PIN and date of birth.</p>
  <a class="button" href="/account/add-child">I'd like to add another child</a>
</section>`
    : ''
}
<section>
  <h2>Your children</h2>
  <ul class="children">
    ${children || '<li>No children on this account yet.</li>'}
  </ul>
</section>
<nav class="account-menu" aria-label="My Account">
  <a href="/account/add-child">Add child/dependent</a>
</nav>`,
  );
}

export function addChildPage(values: { dateOfBirth?: string; error?: string } = {}): string {
  return layout(
    'Add child/dependent',
    true,
    `<p class="breadcrumb"><a href="/account">My Account</a> &gt; Add child/dependent</p>
<h1>Add child/dependent</h1>
${errorBox(values.error)}
<form method="post" action="/account/add-child" class="card">
  ${childFields(values)}
  <button type="submit">Add child</button>
</form>`,
  );
}

export function messagePage(title: string, message: string, signedIn: boolean): string {
  return layout(
    title,
    signedIn,
    `<h1>${escapeHtml(title)}</h1>\n<p class="error" role="alert">${escapeHtml(message)}</p>\n<p><a href="/">Back to the start</a></p>`,
  );
}

// ---- Set Up My Account (Bulk PIN campaign links) -------------------------------------------------

export const SETUP_LINK_EXPIRED =
  'This Set Up My Account link has expired: links work for 14 days. Please contact the practice and they will help you register.';
export const SETUP_LINK_INVALID =
  'This Set Up My Account link is not valid. Check that you opened the whole link from the email, or contact the practice and they will help you register.';
export const SETUP_LINK_USED =
  'This Set Up My Account link was already used to create an account. Sign in with that account, or contact the practice if you need help.';

export function setupRefusedPage(title: string, message: string): string {
  return layout(
    title,
    false,
    `<h1>${escapeHtml(title)}</h1>
<p class="error" role="alert">${escapeHtml(message)}</p>
<p>Already have an account? <a href="/signin">Sign in</a>.</p>`,
  );
}

export function setupPage(values: { token: string; children: ChildLine[]; email?: string; expiresOn: string; error?: string }): string {
  const children = values.children.map((c) => `<li><span class="child-name">${escapeHtml(`${c.firstName} ${c.lastName}`.trim())}</span></li>`).join('\n    ');
  return layout(
    'Set Up My Account',
    false,
    `<h1>Set Up My Account</h1>
${errorBox(values.error)}
<p>Your account will hold ${values.children.length === 1 ? 'this child' : `these ${values.children.length} children`}:</p>
<ul class="children">
    ${children}
</ul>
<form method="post" action="/setup" class="card">
  <input type="hidden" name="token" value="${escapeHtml(values.token)}">
  ${field('email', 'Email address', `type="email" autocomplete="email" required value="${escapeHtml(values.email ?? '')}"`)}
  ${field('password', 'Password', 'type="password" autocomplete="new-password" minlength="8" required', 'At least 8 characters.')}
  <button type="submit">Create account</button>
</form>
<p class="muted">This link works until ${escapeHtml(formatUsDate(values.expiresOn))}, and only once.</p>`,
  );
}
