import { randomUUID } from 'node:crypto';
import { contract, isCallName, type ApiError, type CallName, type CallOutput, type ParsedInput, type Result } from '../../shared/api';
import { AppError, storageFailure } from './errors';

/** One handler per call of the contract; a missing or mistyped handler is a compile error. */
export type Handlers = { [K in CallName]: (input: ParsedInput<K>) => Promise<CallOutput<K>> };

/**
 * Decides whether the call may run now (who is signed in, whether the workstation is locked, the
 * call's declared access): null to go ahead, or the error to answer with. Runs after validation.
 */
export type Authorize = (name: CallName) => Promise<ApiError | null>;

const clip = (text: string, max = 80) => (text.length > max ? `${text.slice(0, max)}…` : text);

/**
 * The single entry point for every caller (Electron IPC, web mode, tests): validate against the
 * contract, authorize, run the handler, and turn every outcome into a Result. Inputs are never
 * echoed back or logged: they may hold a PIN. Validation comes first, so an invalid payload is
 * always answered as invalid, whoever sends it.
 */
export async function dispatch(handlers: Handlers, name: unknown, input: unknown, authorize: Authorize): Promise<Result<unknown>> {
  if (!isCallName(name)) {
    return { ok: false, error: { code: 'unknown_call', message: 'The app asked for something this version does not know.' } };
  }
  const parsed = contract[name].input.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 20).map((issue) => ({
      path: clip(issue.path.map(String).join('.')),
      message: clip(issue.message, 200),
    }));
    return {
      ok: false,
      error: {
        code: 'invalid_input',
        message: `The request was not valid (${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}). Nothing was changed.`,
        details: issues,
      },
    };
  }
  try {
    const refusal = await authorize(name);
    if (refusal) return { ok: false, error: refusal };
    const handler = handlers[name] as (input: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (thrown) {
    const error = storageFailure(thrown) ?? thrown; // a full disk or read-only folder, said plainly
    if (error instanceof AppError) {
      return { ok: false, error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } };
    }
    const reference = randomUUID().slice(0, 8);
    // The call name and a reference only: error texts from drivers may quote data.
    console.error(`[${reference}] ${name} failed:`, error instanceof Error ? error.stack : 'non-error thrown');
    return {
      ok: false,
      error: {
        code: 'internal',
        message: `Something went wrong inside the app (reference ${reference}). If it happens again, tell IT and quote the reference.`,
      },
    };
  }
}
