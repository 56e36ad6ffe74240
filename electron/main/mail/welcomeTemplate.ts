import { formatDateAs } from '../../../shared/domain/dates';
import { listNames } from '../../../shared/domain/plan';

/**
 * The Welcome email (SPEC 3.2/3.3, seed "PIN Generation for Multiple Patients of the Same Family"):
 * one email per guardian carrying the PIN of one child; the PINs of the other children were
 * printed, and the email tells the parent to add them to the same account with "I'd like to add
 * another child" (or "My Account > Add child/dependent" afterwards).
 *
 * Pure: no clock, no I/O. Plain text and HTML say the same thing; HTML has no remote content,
 * no tracking, and every interpolated value is escaped.
 */
export interface WelcomeMessage {
  outboxId: string;
  to: string;
  recipientName: string;
  language: 'en' | 'es';
  practiceName: string;
  portalUrl: string;
  childFirstName: string;
  /** Already formatted for reading, e.g. 'K7Q-M3X-PAZ'. */
  pin: string;
  /** First names whose PINs were printed for the parent to add to the same account. */
  printedSiblings: string[];
  /** 'YYYY-MM-DD', the last day the PIN works. */
  expiresOn: string;
  /** The practice's phone for questions; empty or absent: "call our office". */
  practicePhone?: string;
}

export interface RenderedWelcome {
  subject: string;
  text: string;
  html: string;
}

/** The portal's own labels: its UI is in English, so the Spanish email quotes them as they appear. */
const ADD_CHILD = "I'd like to add another child";
export const ADD_CHILD_LATER = 'My Account > Add child/dependent';

/** A paragraph as both plain text and HTML (the HTML is built from escaped pieces). */
export interface Block {
  text: string;
  html: string;
}

export type Piece = string | { strong: string } | { code: string } | { link: string };

export function block(...pieces: Piece[]): Block {
  let text = '';
  let html = '';
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      text += piece;
      html += escapeHtml(piece);
    } else if ('strong' in piece) {
      text += piece.strong;
      html += `<strong>${escapeHtml(piece.strong)}</strong>`;
    } else if ('code' in piece) {
      text += piece.code;
      html += `<span style="font-family:Consolas,'Courier New',monospace;font-size:20px;font-weight:bold;letter-spacing:2px">${escapeHtml(piece.code)}</span>`;
    } else {
      text += piece.link;
      html += isWebAddress(piece.link) ? `<a href="${escapeHtml(piece.link)}">${escapeHtml(piece.link)}</a>` : escapeHtml(piece.link);
    }
  }
  return { text, html };
}

export function renderWelcome(message: WelcomeMessage): RenderedWelcome {
  const copy = message.language === 'es' ? spanish(message) : english(message);
  return renderBlocks(message.language, copy.subject, copy.blocks);
}

/** Plain text and HTML of one email from its paragraphs. */
export function renderBlocks(language: 'en' | 'es', subject: string, blocks: Block[]): RenderedWelcome {
  const text = `${blocks.map((b) => b.text).join('\n\n')}\n`;
  const paragraphs = blocks.map((b) => `<p style="margin:0 0 16px 0">${b.html.replace(/\n/g, '<br>\n')}</p>`);
  return { subject, text, html: emailDocument(language, subject, paragraphs) };
}

/** The HTML document every email of the app shares: simple inline styles that mail clients keep. */
export function emailDocument(language: 'en' | 'es', subject: string, bodyHtml: string[]): string {
  return [
    '<!DOCTYPE html>',
    `<html lang="${language}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title>`,
    '</head>',
    '<body style="margin:0;padding:24px;background:#ffffff;color:#1f2933;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5">',
    '<div style="max-width:560px">',
    ...bodyHtml,
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

// ---- English --------------------------------------------------------------------------------

function english(m: WelcomeMessage): { subject: string; blocks: Block[] } {
  const child = m.childFirstName.trim();
  const name = m.recipientName.trim();
  const siblings = m.printedSiblings.map((s) => s.trim()).filter((s) => s !== '');
  // Plain words, short sentences: parents read this at a grade 6 level or below (issue 12).
  const blocks: Block[] = [
    block(name ? `Dear ${name},` : 'Hello,'),
    block(`Welcome to the patient portal of ${m.practiceName}. Make your account here:\n`, { link: m.portalUrl }),
    block(`${child}'s PIN: `, { code: m.pin }, `\nUse it by ${formatDateAs('MDY', m.expiresOn)}.`),
    block(`Open the link above. Make your account with this PIN and ${child}'s date of birth. Type the letters and numbers. You can leave out the dashes.`),
  ];
  if (siblings.length > 0) {
    const many = siblings.length > 1;
    blocks.push(
      block(
        `We printed ${many ? 'PINs' : 'a PIN'} for ${listNames(siblings)}. While you make your account, choose `,
        { strong: `“${ADD_CHILD}”` },
        `. Then type ${many ? "each child's PIN and date of birth" : `${siblings[0]}'s PIN and date of birth`}. Do you have an account already? Go to `,
        { strong: ADD_CHILD_LATER },
        '.',
      ),
    );
  }
  blocks.push(block(`Keep this PIN private. ${questionsEn(m.practicePhone)}`), block(`Warm regards,\n${m.practiceName}`));
  return { subject: `Welcome to the ${m.practiceName} patient portal`, blocks };
}

/** The last words of every English email: who to call. */
export function questionsEn(phone: string | undefined): string {
  return phone?.trim()
    ? `Questions, or did you not expect this email? Call us at ${phone.trim()}.`
    : 'Questions, or did you not expect this email? Call our office.';
}

/** The same in Spanish. */
export function questionsEs(phone: string | undefined): string {
  return phone?.trim()
    ? `¿Tiene preguntas o no esperaba este correo? Llámenos al ${phone.trim()}.`
    : '¿Tiene preguntas o no esperaba este correo? Llame a nuestro consultorio.';
}

// ---- Spanish --------------------------------------------------------------------------------

function spanish(m: WelcomeMessage): { subject: string; blocks: Block[] } {
  const child = m.childFirstName.trim();
  const name = m.recipientName.trim();
  const siblings = m.printedSiblings.map((s) => s.trim()).filter((s) => s !== '');
  const blocks: Block[] = [
    block(name ? `Hola, ${name}:` : 'Hola:'),
    block(`Le damos la bienvenida al portal de pacientes de ${m.practiceName}. Puede crear su cuenta en:\n`, { link: m.portalUrl }),
    block(`PIN de ${child}: `, { code: m.pin }, `\nVálido hasta el ${formatSpanishDate(m.expiresOn)}.`),
    block(
      `Para crear su cuenta, abra la dirección del portal y regístrese con este PIN y la fecha de nacimiento de ${child}. ` +
        'El PIN solo tiene letras mayúsculas y números; no hace falta escribir los guiones.',
    ),
  ];
  if (siblings.length > 0) {
    const many = siblings.length > 1;
    blocks.push(
      block(
        'El portal está en inglés, por eso escribimos los nombres de las opciones tal como aparecen en pantalla. ' + 'Mientras crea su cuenta, elija ',
        { strong: `“${ADD_CHILD}”` },
        ' (Quisiera agregar otro hijo) e ingrese ' +
          (many
            ? `los PIN que imprimimos para ${listNamesEs(siblings)}, cada uno con la fecha de nacimiento correspondiente. `
            : `el PIN que imprimimos para ${siblings[0]}, con su fecha de nacimiento. `) +
          '¿Ya tiene una cuenta? Vaya a ',
        { strong: ADD_CHILD_LATER },
        ' (Mi cuenta > Agregar hijo o dependiente).',
      ),
    );
  }
  blocks.push(block(`Le pedimos que no comparta este PIN. ${questionsEs(m.practicePhone)}`), block(`Saludos cordiales,\n${m.practiceName}`));
  return { subject: `Le damos la bienvenida al portal de pacientes de ${m.practiceName}`, blocks };
}

/** "22/12/2026": day first, as Spanish speakers read dates (the Spanish packet prints them the same way). */
export function formatSpanishDate(date: string): string {
  return formatDateAs('DMY', date);
}

/** "Luis, Ana y Sofía"; "y" becomes "e" before an /i/ sound ("Luis e Isabel", but "Ana y Ian"). */
export function listNamesEs(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  const last = names[names.length - 1]!;
  const and = /^[hH]?[iíIÍ](?![aeouáéóúAEOUÁÉÓÚ])/.test(last) ? 'e' : 'y';
  return `${names.slice(0, -1).join(', ')} ${and} ${last}`;
}

// ---- helpers --------------------------------------------------------------------------------

export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Only http(s) addresses become links; anything else is shown as text. */
function isWebAddress(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
