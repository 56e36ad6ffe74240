import { formatDateAs } from '../../../shared/domain/dates';
import { listNames } from '../../../shared/domain/plan';
import type { WelcomeAnswer } from '../../../shared/sync/protocol';
import {
  ADD_CHILD_LATER,
  block,
  formatSpanishDate,
  listNamesEs,
  questionsEn,
  questionsEs,
  renderBlocks,
  type Block,
  type RenderedWelcome,
  type WelcomeMessage,
} from './welcomeTemplate';

/**
 * The "add this child to your account" email (SPEC 3.4): sent instead of a Welcome email when the
 * practice system says the guardian already got their one Welcome email (from any desk) or already
 * has a portal account. It carries the child's PIN and the add-child steps: sign in, My Account >
 * Add child/dependent, the child's date of birth and this PIN; and names the siblings whose PINs
 * were printed, to add the same way. English and Spanish, like the Welcome email.
 *
 * Pure: no clock, no I/O. Plain text and HTML say the same thing; every value is escaped.
 *
 * Its message is the Welcome email's (the child's PIN, the printed siblings to add) plus why
 * there is no Welcome email.
 */
export interface AddChildMessage extends WelcomeMessage {
  /** Why no Welcome email: it was sent before, or the guardian has an account. */
  reason: Extract<WelcomeAnswer, 'already_welcomed' | 'has_account'>;
}

export function renderAddChild(message: AddChildMessage): RenderedWelcome {
  const copy = message.language === 'es' ? spanish(message) : english(message);
  return renderBlocks(message.language, copy.subject, copy.blocks);
}

function names(list: readonly string[]): string[] {
  return list.map((s) => s.trim()).filter((s) => s !== '');
}

// ---- English --------------------------------------------------------------------------------

function english(m: AddChildMessage): { subject: string; blocks: Block[] } {
  const child = m.childFirstName.trim();
  const name = m.recipientName.trim();
  const siblings = names(m.printedSiblings);
  const why =
    m.reason === 'has_account'
      ? `You have an account on the patient portal of ${m.practiceName}. Add ${child} to that account. You do not need a new one.`
      : `We sent you a Welcome email for the patient portal of ${m.practiceName}. Make your account with the PIN in that email first. ` +
        `Then add ${child} to it. You do not need a second account.`;
  const blocks: Block[] = [
    block(name ? `Dear ${name},` : 'Hello,'),
    block(why),
    block(`${child}'s PIN: `, { code: m.pin }, `\nUse it by ${formatDateAs('MDY', m.expiresOn)}.`),
    block(
      '1. Sign in to the portal at ',
      { link: m.portalUrl },
      '\n2. Open ',
      { strong: ADD_CHILD_LATER },
      `\n3. Type ${child}'s date of birth and this PIN. Type the letters and numbers. You can leave out the dashes.`,
    ),
  ];
  if (siblings.length > 0) {
    const many = siblings.length > 1;
    blocks.push(block(`We also printed ${many ? 'PINs' : 'a PIN'} for ${listNames(siblings)}. Add ${many ? 'each of them' : siblings[0]} the same way.`));
  }
  blocks.push(block(`Keep this PIN private. ${questionsEn(m.practicePhone)}`), block(`Warm regards,\n${m.practiceName}`));
  return { subject: `Add ${child} to your ${m.practiceName} patient portal account`, blocks };
}

// ---- Spanish --------------------------------------------------------------------------------

function spanish(m: AddChildMessage): { subject: string; blocks: Block[] } {
  const child = m.childFirstName.trim();
  const name = m.recipientName.trim();
  const siblings = names(m.printedSiblings);
  const why =
    m.reason === 'has_account'
      ? `Usted ya tiene una cuenta en el portal de pacientes de ${m.practiceName}. Agregue a ${child} a esa misma cuenta: no necesita una nueva.`
      : `Ya le enviamos un correo de bienvenida al portal de pacientes de ${m.practiceName}. Agregue a ${child} a la cuenta que cree con ese correo ` +
        '(si todavía no la creó, hágalo primero con el PIN de ese correo): no necesita una segunda cuenta.';
  const blocks: Block[] = [
    block(name ? `Hola, ${name}:` : 'Hola:'),
    block(why),
    block(`PIN de ${child}: `, { code: m.pin }, `\nVálido hasta el ${formatSpanishDate(m.expiresOn)}.`),
    block(
      'El portal está en inglés, por eso escribimos los nombres de las opciones tal como aparecen en pantalla.\n1. Inicie sesión en el portal: ',
      { link: m.portalUrl },
      '\n2. Abra ',
      { strong: ADD_CHILD_LATER },
      ' (Mi cuenta > Agregar hijo o dependiente).',
      `\n3. Ingrese la fecha de nacimiento de ${child} y este PIN. El PIN solo tiene letras mayúsculas y números; no hace falta escribir los guiones.`,
    ),
  ];
  if (siblings.length > 0) {
    const many = siblings.length > 1;
    blocks.push(
      block(
        many
          ? `También imprimimos los PIN de ${listNamesEs(siblings)}: agregue a cada uno de la misma manera, con su fecha de nacimiento.`
          : `También imprimimos el PIN de ${siblings[0]}: agréguelo de la misma manera, con su fecha de nacimiento.`,
      ),
    );
  }
  blocks.push(block(`Le pedimos que no comparta este PIN. ${questionsEs(m.practicePhone)}`), block(`Saludos cordiales,\n${m.practiceName}`));
  return { subject: `Agregue a ${child} a su cuenta del portal de pacientes de ${m.practiceName}`, blocks };
}
