import { formatDateAs } from '../../../shared/domain/dates';
import { listNames } from '../../../shared/domain/plan';
import { emailDocument, escapeHtml, formatSpanishDate, listNamesEs } from '../mail/welcomeTemplate';

/**
 * The "Set Up My Account" email of the Bulk PIN campaign (SPEC 3.5, seed "What steps will the
 * parent/guardian have to take"): one per guardian, naming every eligible child, with a link that
 * works 14 days; after that the parent is told to contact the practice. English and Spanish.
 *
 * Pure: no clock, no I/O. Plain text and HTML say the same thing; the HTML has no remote content
 * and every interpolated value is escaped.
 */
export interface SetupMessage {
  outboxId: string;
  to: string;
  recipientName: string;
  language: 'en' | 'es';
  practiceName: string;
  /** The personal link, token included. */
  setupUrl: string;
  /** First names of the children the account will hold. */
  childFirstNames: string[];
  /** 'YYYY-MM-DD', the last practice-local day the link works. */
  expiresOn: string;
  /** The practice's phone for questions; empty or absent: "contact the practice". */
  practicePhone?: string;
}

export interface RenderedSetup {
  subject: string;
  text: string;
  html: string;
}

/** The portal's own button label, quoted as it appears (its UI is in English). */
export const SET_UP_MY_ACCOUNT = 'Set Up My Account';

interface Copy {
  subject: string;
  greeting: string;
  intro: string;
  /** Text before and after the link. */
  linkLead: string;
  expiry: string;
  afterExpiry: string;
  privacy: string;
  closing: string;
}

function english(m: SetupMessage): Copy {
  const names = m.childFirstNames.map((n) => n.trim()).filter(Boolean);
  const who = names.length > 0 ? listNames(names) : 'your children';
  return {
    subject: `Set up your ${m.practiceName} patient portal account`,
    greeting: m.recipientName.trim() ? `Dear ${m.recipientName.trim()},` : 'Hello,',
    intro:
      `${m.practiceName} asks you to set up your patient portal account for ${who}. ` +
      `One account holds ${names.length === 1 ? `all of ${names[0]}'s` : 'all their'} records. You do not need an account for each child.`,
    linkLead: `To start, open your own ${SET_UP_MY_ACCOUNT} link:`,
    expiry: `The link works once, until ${formatDateAs('MDY', m.expiresOn)} (14 days).`,
    afterExpiry: m.practicePhone?.trim()
      ? `Does the link not work, or is it too late? Call us at ${m.practicePhone.trim()} and we will help you.`
      : `Does the link not work, or is it too late? Call ${m.practiceName} and we will help you.`,
    privacy: 'The link is just for you. Please do not send this email to anyone. Did you not expect it? Please call us.',
    closing: `Warm regards,\n${m.practiceName}`,
  };
}

function spanish(m: SetupMessage): Copy {
  const names = m.childFirstNames.map((n) => n.trim()).filter(Boolean);
  const who = names.length > 0 ? listNamesEs(names) : 'sus hijos';
  return {
    subject: `Cree su cuenta del portal de pacientes de ${m.practiceName}`,
    greeting: m.recipientName.trim() ? `Hola, ${m.recipientName.trim()}:` : 'Hola:',
    intro:
      `${m.practiceName} le invita a crear su cuenta del portal de pacientes para ${who}. ` +
      'Una sola cuenta reúne la información de todos: no necesita una cuenta para cada hijo.',
    linkLead: `Para comenzar, abra su enlace personal "${SET_UP_MY_ACCOUNT}" (Crear mi cuenta):`,
    expiry: `Este enlace funciona hasta el ${formatSpanishDate(m.expiresOn)} (14 días) y una sola vez.`,
    afterExpiry: `Si el enlace venció o no funciona, comuníquese con el consultorio (${m.practiceName}) y le ayudaremos a registrarse.`,
    privacy: 'El enlace es personal: no reenvíe este correo. Si no lo esperaba, comuníquese con el consultorio.',
    closing: `Saludos cordiales,\n${m.practiceName}`,
  };
}

export function renderSetupEmail(message: SetupMessage): RenderedSetup {
  const copy = message.language === 'es' ? spanish(message) : english(message);
  const paragraphs = [copy.greeting, copy.intro, copy.linkLead, copy.expiry, copy.afterExpiry, copy.privacy, copy.closing];
  const text = `${[copy.greeting, copy.intro, `${copy.linkLead}\n${message.setupUrl}`, copy.expiry, copy.afterExpiry, copy.privacy, copy.closing].join('\n\n')}\n`;
  const p = (value: string) => `<p style="margin:0 0 16px 0">${escapeHtml(value).replace(/\n/g, '<br>\n')}</p>`;
  const safeUrl = /^https?:\/\//i.test(message.setupUrl) ? message.setupUrl : '';
  const button = safeUrl
    ? `<p style="margin:0 0 16px 0"><a href="${escapeHtml(safeUrl)}" style="display:inline-block;padding:10px 18px;background:#1d4ed8;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold">${escapeHtml(SET_UP_MY_ACCOUNT)}</a><br>\n<span style="font-size:13px;color:#52606d">${escapeHtml(message.setupUrl)}</span></p>`
    : p(message.setupUrl);
  const html = emailDocument(message.language, copy.subject, [...paragraphs.slice(0, 3).map(p), button, ...paragraphs.slice(3).map(p)]);
  return { subject: copy.subject, text, html };
}
