/**
 * The clerk-account part of the contract (spread into shared/api.ts): signing in and out, the
 * workstation lock, the first administrator, and clerk management for administrators.
 */
import { z } from 'zod';
import { call } from '../contractCall';
import { MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH } from './passwordRules';

export type ClerkRole = 'admin' | 'clerk';

export interface AuthClerk {
  id: string;
  displayName: string;
  username: string;
  role: ClerkRole;
}

/** What the renderer needs to decide between the app, the lock screen and first-run setup. */
export interface AuthState {
  /** No clerk has a password yet and this is not the demo: the first administrator must be created. */
  setupNeeded: boolean;
  /** The signed-in clerk (also while the station is locked: the clerk who locked it). */
  clerk: AuthClerk | null;
  /** The station is locked (by the clerk, or after inactivity): calls wait for a sign-in. */
  locked: boolean;
  lockAfterMinutes: number;
  /** Demo practice only: the accounts and their known passwords, for the sign-in screen. */
  demoAccounts: { username: string; password: string; displayName: string; role: ClerkRole }[] | null;
}

export interface ClerkAccount extends AuthClerk {
  active: boolean;
  hasPassword: boolean;
  createdAt: string;
}

const username = z
  .string()
  .trim()
  .min(2)
  .max(40)
  .regex(/^[A-Za-z0-9._-]+$/, 'Use letters, digits, dots, dashes or underscores (no spaces).');
const displayName = z.string().trim().min(1).max(80);
const password = z.string().min(1).max(MAX_PASSWORD_LENGTH);
const newPassword = z.string().min(MIN_PASSWORD_LENGTH, `At least ${MIN_PASSWORD_LENGTH} characters.`).max(MAX_PASSWORD_LENGTH);
const role = z.enum(['admin', 'clerk']);
const empty = z.strictObject({});
const withConfirmation = <T extends z.ZodType>(schema: T) =>
  schema.refine((v) => (v as { password: string; confirmPassword: string }).password === (v as { confirmPassword: string }).confirmPassword, {
    message: 'The two passwords are not the same.',
    path: ['confirmPassword'],
  });

export const clerkCalls = {
  'auth.state': call<AuthState>('open')(empty),
  'auth.setupAdmin': call<AuthState>('open')(withConfirmation(z.strictObject({ username, displayName, password: newPassword, confirmPassword: password }))),
  'auth.signIn': call<AuthState>('open')(z.strictObject({ username: z.string().trim().min(1).max(40), password })),
  'auth.signOut': call<AuthState>('clerk')(empty),
  'auth.lock': call<AuthState>('clerk')(empty),
  /** The renderer's "someone is still working here" ping (at most once a minute). */
  'auth.activity': call<null>('clerk')(empty),
  'clerks.list': call<ClerkAccount[]>('admin')(empty),
  'clerks.create': call<ClerkAccount>('admin')(
    withConfirmation(z.strictObject({ username, displayName, role, password: newPassword, confirmPassword: password })),
  ),
  'clerks.update': call<ClerkAccount>('admin')(
    z
      .strictObject({
        clerkId: z.string().min(1).max(64),
        role: role.optional(),
        active: z.boolean().optional(),
        displayName: displayName.optional(),
        newPassword: newPassword.optional(),
        confirmPassword: password.optional(),
      })
      .refine((v) => v.newPassword === v.confirmPassword, { message: 'The two passwords are not the same.', path: ['confirmPassword'] }),
  ),
} as const;
