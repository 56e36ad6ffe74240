import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ChecklistAnswer } from '../../../shared/bulk/api';
import { CHECKLIST_WORDS, formatWhen } from './bulkWords';
import { useReadiness } from './readinessStore';
import { ErrorNote } from '../components/ErrorNote';

const NOTE_MAX = 500;

function answeredText(answer: ChecklistAnswer): string {
  if (answer.answer === null) {
    // A note can be kept without an answer (such as "waiting for the vendor").
    return answer.note && answer.answeredBy ? `Not answered yet (note by ${answer.answeredBy}).` : 'Not answered yet.';
  }
  const said = answer.answer ? 'Yes' : 'No';
  const who = answer.answeredBy ? ` by ${answer.answeredBy}` : '';
  const when = answer.answeredAt ? ` on ${formatWhen(answer.answeredAt)}` : '';
  return `Answered ${said}${who}${when}.`;
}

/** One checklist question: Yes / No saved as soon as it is chosen, with an optional note saved with Enter. */
export function ChecklistQuestion({ answer }: { answer: ChecklistAnswer }) {
  const save = useReadiness((s) => s.answer);
  const saving = useReadiness((s) => s.saving[answer.item] ?? false);
  const failed = useReadiness((s) => (s.checklistError?.item === answer.item ? s.checklistError.message : null));
  const words = CHECKLIST_WORDS[answer.item];
  const base = `checklist-${answer.item}`;
  const yesRadio = useRef<HTMLInputElement>(null);
  // The choice shows at once; it follows the stored answer whenever that changes.
  const [chosen, setChosen] = useState<boolean | null>(answer.answer);
  // biome-ignore lint/correctness/useExhaustiveDependencies(answer.answeredAt): an answer stored again, even unchanged, resets the choice to it too
  useEffect(() => setChosen(answer.answer), [answer.answer, answer.answeredAt]);
  // null = the note as stored; a string = what the administrator is typing.
  const [noteDraft, setNoteDraft] = useState<string | null>(null);
  const note = noteDraft ?? answer.note;
  const noteChanged = noteDraft !== null && noteDraft.trim() !== answer.note.trim();

  const submit = async (value: boolean | null, sentNote: string) => {
    const ok = await save(answer.item, value, sentNote.trim());
    if (ok) setNoteDraft((draft) => (draft === null || draft === sentNote ? null : draft));
    else setChosen(answer.answer);
  };
  const choose = (value: boolean | null) => {
    setChosen(value);
    void submit(value, note);
  };
  const onNoteSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (noteChanged) void submit(chosen, note);
  };

  const state = chosen === null ? 'unanswered' : chosen ? 'yes' : 'no';
  return (
    <li className={`bulk-check bulk-check-${state}`}>
      <fieldset className="bulk-check-answer" aria-describedby={`${base}-explanation ${base}-answered`}>
        <legend className="bulk-check-title">{words.title}</legend>
        <p id={`${base}-explanation`} className="bulk-check-explanation">
          {words.explanation}
        </p>
        <div className="bulk-check-choices">
          <label>
            <input ref={yesRadio} type="radio" name={base} value="yes" checked={chosen === true} onChange={() => choose(true)} /> Yes
          </label>
          <label>
            <input type="radio" name={base} value="no" checked={chosen === false} onChange={() => choose(false)} /> No
          </label>
          {chosen !== null && (
            <button
              type="button"
              className="link-button"
              aria-label={`Clear answer: ${words.title}`}
              onClick={() => {
                choose(null);
                // The button goes away with the answer: the focus moves to the choices.
                yesRadio.current?.focus();
              }}
            >
              Clear answer
            </button>
          )}
          {saving && <span className="muted bulk-inline-note">Saving…</span>}
        </div>
      </fieldset>
      <form className="bulk-check-note" noValidate onSubmit={onNoteSubmit}>
        <label htmlFor={`${base}-note`}>Note (optional)</label>
        <div className="bulk-form-row">
          <input
            id={`${base}-note`}
            type="text"
            maxLength={NOTE_MAX}
            autoComplete="off"
            placeholder="Such as who checked and where"
            value={note}
            onChange={(event) => setNoteDraft(event.target.value)}
          />
          <button type="submit" disabled={!noteChanged || saving} aria-label={`Save note: ${words.title}`}>
            Save note
          </button>
        </div>
      </form>
      <p id={`${base}-answered`} className="bulk-check-answered">
        {answeredText(answer)}
      </p>
      <ErrorNote message={failed} lead="The answer was not saved: " className="bulk-failed" />
    </li>
  );
}
