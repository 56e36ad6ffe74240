import { randomUUID } from 'node:crypto';
import { contract, isCallName, type CallName, type CallOutput, type ParsedInput, type Result } from '../../shared/api';
import { AppError } from './errors';

/** One handler per call of the contract; a missing or mistyped handler is a compile error. */
export type Handlers = { [K in CallName]: (input: ParsedInput<K>) => Promise<CallOutput<K>> };

const clip = (text: string, max = 80) => (text.length > max ? `${text.slice(0, max)}…` : text);

/**
 * The single entry point for every caller (Electron IPC, web mode, tests): validate against the
 * contract, run the handler, and turn every outcome into a Result. Inputs are never echoed back
 * or logged: they may hold a PIN.
 */
export async function dispatch(handlers: Handlers, name: unknown, input: unknown): Promise<Result<unknown>> {
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
    const handler = handlers[name] as (input: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (error) {
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
