import type { z } from 'zod';

/**
 * Who may make a call. `open`: anyone, even with no clerk signed in or the workstation locked
 * (session state, signing in). `clerk`: a signed-in clerk at an unlocked workstation.
 * `admin`: the same, and the clerk is an administrator. Enforced in main by the dispatcher,
 * never only by hiding a button.
 */
export type Access = 'open' | 'clerk' | 'admin';

/**
 * Declares a call: its result type, who may make it and its input schema (curried so the input
 * schema's type is inferred): `call<Result>('admin')(schema)`.
 */
export function call<O>(access: Access = 'clerk') {
  return <I extends z.ZodType>(input: I) => ({ input, access, output: undefined as unknown as O });
}
