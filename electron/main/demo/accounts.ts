/** The demo practice's clerk accounts. */

export const DEMO_CLERK_ID = 'clerk-demo';
export const DEMO_ADMIN_CLERK_ID = 'clerk-demo-admin';
/**
 * The demo practice's sign-ins. Known on purpose: the sign-in screen shows them, in demo mode only.
 * The rows are seeded without a password (seeding is synchronous and byte-identical); the app
 * hashes these when it opens the demo (electron/main/clerks/demoAccounts.ts).
 */
export const DEMO_ACCOUNTS = [
  { clerkId: DEMO_CLERK_ID, username: 'demo', password: 'demo-clerk-2026' },
  { clerkId: DEMO_ADMIN_CLERK_ID, username: 'admin', password: 'demo-admin-2026' },
] as const;
