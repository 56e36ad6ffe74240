import { z } from 'zod';
import { checkMailbox, emailProblemWords } from './domain/email';

/**
 * A contract field that must hold exactly one usable mailbox (checkMailbox, the one email rule):
 * the worklist's fix and the Outbox's "Edit email and retry" store what the plan and the mailer
 * will accept, never "mom@x.com; dad@y.com". Gives the address trimmed; the issue names the problem.
 */
export const mailboxSchema = z
  .string()
  .max(254)
  .transform((value, ctx) => {
    const check = checkMailbox(value);
    if (check.ok) return check.address;
    ctx.addIssue({ code: 'custom', message: `Enter one email address, such as maria@example.com (this one has ${emailProblemWords(check.problem)}).` });
    return z.NEVER;
  });
