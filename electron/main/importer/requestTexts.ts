import type { ImportInput } from './planTypes';

/**
 * An import's files travel to the job worker apart from the rest of its request (issue 14): each
 * file's text (or base64 bytes) is sent in slices by the job runner (lib/textParts.ts), so the main
 * thread never copies 50 MB in one turn. `withoutTexts` makes the request to send and the texts;
 * the worker puts them back with `withTexts` before checking the files whole, as before.
 */

const keyOf = (index: number, field: 'content' | 'bytes') => `file${index}.${field}`;

/** Any request that carries an import's files: the apply's, or the preview's. */
type WithFiles = { input: ImportInput };

export function withoutTexts<R extends WithFiles>(request: R): { shell: R; texts: Map<string, string> } {
  const texts = new Map<string, string>();
  const files = request.input.files.map((file, index) => {
    const shell = { ...file };
    for (const field of ['content', 'bytes'] as const) {
      const text = file[field];
      if (text === undefined) continue;
      texts.set(keyOf(index, field), text);
      shell[field] = '';
    }
    return shell;
  });
  return { shell: { ...request, input: { ...request.input, files } }, texts };
}

/** The request whole again, from its shell and every text (a missing text is an error, never an empty file). */
export function withTexts<R extends WithFiles>(shell: R, texts: ReadonlyMap<string, string>): R {
  const files = shell.input.files.map((file, index) => {
    const whole = { ...file };
    for (const field of ['content', 'bytes'] as const) {
      if (file[field] === undefined) continue;
      const text = texts.get(keyOf(index, field));
      if (text === undefined) throw new Error(`The import's file ${index + 1} did not reach the job worker.`);
      whole[field] = text;
    }
    return whole;
  });
  return { ...shell, input: { ...shell.input, files } };
}
