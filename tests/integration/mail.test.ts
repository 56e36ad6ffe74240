import fs from 'node:fs';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../electron/main/lib/deliveryError';
import { createMailer, welcomeMessageId, type Mailer, type MailerConfig } from '../../electron/main/mail/mailer';
import { listMailDrop, readMailDrop, writeMailDrop } from '../../electron/main/mail/mailDrop';
import { renderWelcome, type WelcomeMessage } from '../../electron/main/mail/welcomeTemplate';
import { closedPort, startTestSmtpServer, type TestSmtpServer } from '../support/smtpServer';
import { makeTempDir } from '../support/tempDir';

const PIN = 'K7Q-M3X-PAZ';
const OUTBOX_ID = '0b9d3c52-6f0e-4f7a-9a53-2f6f3c1d9e01';

const welcome = (overrides: Partial<WelcomeMessage> = {}): WelcomeMessage => ({
  outboxId: OUTBOX_ID,
  to: 'maria.lopez@example.com',
  recipientName: 'Maria Lopez',
  language: 'en',
  practiceName: 'Sunshine Pediatrics',
  portalUrl: 'https://portal.sunshine-peds.example/',
  childFirstName: 'Ana',
  pin: PIN,
  printedSiblings: ['Luis', 'Sofia'],
  expiresOn: '2026-12-22',
  ...overrides,
});

let temp: ReturnType<typeof makeTempDir>;
let server: TestSmtpServer | null = null;
const mailers: Mailer[] = [];

beforeEach(() => {
  temp = makeTempDir('fpp-mail-');
});

afterEach(async () => {
  for (const mailer of mailers.splice(0)) mailer.close();
  await server?.close();
  server = null;
  temp.remove();
});

function config(overrides: Partial<MailerConfig> = {}): MailerConfig {
  return {
    smtpHost: '127.0.0.1',
    smtpPort: server?.port ?? 25,
    smtpSecurity: 'none',
    smtpUser: '',
    smtpPassword: null,
    smtpFrom: '',
    practiceName: 'Sunshine Pediatrics',
    mailDropDir: temp.file('mail-drop'),
    ...overrides,
  };
}

function mailer(overrides: Partial<MailerConfig> = {}): Mailer {
  const created = createMailer(config(overrides));
  mailers.push(created);
  return created;
}

async function parsed(index: number): Promise<ParsedMail> {
  const raw = server!.messages[index];
  expect(raw, `message ${index} was received`).toBeDefined();
  return simpleParser(raw!);
}

async function deliveryError(promise: Promise<unknown>): Promise<DeliveryError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe('Welcome email over SMTP', () => {
  it('delivers one English Welcome email with the PIN, the portal and the sibling instruction', async () => {
    server = await startTestSmtpServer();
    const smtp = mailer();
    expect(smtp.transport).toBe('smtp');

    const result = await smtp.sendWelcome(welcome());

    expect(result.messageId).toBe(welcomeMessageId(OUTBOX_ID));
    expect(server.messages).toHaveLength(1);
    expect(server.recipients[0]).toEqual(['maria.lopez@example.com']);
    const mail = await parsed(0);
    expect(mail.subject).toBe('Welcome to the Sunshine Pediatrics patient portal');
    expect(mail.messageId).toBe(`<${OUTBOX_ID}@family-portal-pins.local>`);
    expect(mail.headers.get('x-fpp-outbox-id')).toBe(OUTBOX_ID);
    expect(mail.from?.value[0]).toMatchObject({ name: 'Sunshine Pediatrics', address: 'no-reply@localhost' });

    const text = mail.text ?? '';
    expect(text).toContain('Dear Maria Lopez,');
    expect(text).toContain(`Ana's PIN: ${PIN}`);
    expect(text).toContain('Use it by 12/22/2026.');
    expect(text).toContain('https://portal.sunshine-peds.example/');
    expect(text).toContain("Make your account with this PIN and Ana's date of birth.");
    expect(text).toContain(
      "We printed PINs for Luis and Sofia. While you make your account, choose “I'd like to add another child”. Then type each child's PIN and date of birth. Do you have an account already? Go to My Account > Add child/dependent.",
    );

    const html = typeof mail.html === 'string' ? mail.html : '';
    expect(html).toContain(PIN);
    expect(html).toContain('href="https://portal.sunshine-peds.example/"');
    expect(html).toContain('Luis and Sofia');
    expect(html).toContain('I&#39;d like to add another child');
    // No remote content, no tracking.
    expect(html).not.toMatch(/<img|<script|src=|url\(/i);
  });

  it('keeps the same Message-ID when the same outbox row is sent again', async () => {
    server = await startTestSmtpServer();
    const smtp = mailer();
    const first = await smtp.sendWelcome(welcome());
    const second = await smtp.sendWelcome(welcome());

    expect(second.messageId).toBe(first.messageId);
    expect(server.messages).toHaveLength(2);
    expect((await parsed(0)).messageId).toBe(welcomeMessageId(OUTBOX_ID));
    expect((await parsed(1)).messageId).toBe(welcomeMessageId(OUTBOX_ID));
    expect(welcomeMessageId('another-row')).not.toBe(welcomeMessageId(OUTBOX_ID));
  });

  it('writes the Spanish email in Spanish, with the portal’s English labels quoted', async () => {
    server = await startTestSmtpServer();
    await mailer({ smtpFrom: 'frontdesk@sunshine-peds.example' }).sendWelcome(
      welcome({ language: 'es', recipientName: 'María López', printedSiblings: ['Luis', 'Sofía'] }),
    );

    const mail = await parsed(0);
    expect(mail.subject).toBe('Le damos la bienvenida al portal de pacientes de Sunshine Pediatrics');
    expect(mail.from?.value[0]).toMatchObject({ name: 'Sunshine Pediatrics', address: 'frontdesk@sunshine-peds.example' });
    expect(mail.headers.get('content-language')).toBe('es');
    const text = mail.text ?? '';
    expect(text).toContain('Hola, María López:');
    expect(text).toContain(`PIN de Ana: ${PIN}`);
    expect(text).toContain('Válido hasta el 22/12/2026.');
    expect(text).toContain('regístrese con este PIN y la fecha de nacimiento de Ana');
    expect(text).toContain('El portal está en inglés');
    expect(text).toContain("elija “I'd like to add another child” (Quisiera agregar otro hijo)");
    expect(text).toContain('los PIN que imprimimos para Luis y Sofía, cada uno con la fecha de nacimiento correspondiente');
    expect(text).toContain('¿Ya tiene una cuenta? Vaya a My Account > Add child/dependent (Mi cuenta > Agregar hijo o dependiente).');
    expect(text).toContain('Saludos cordiales,');
    expect(text).not.toContain('While creating your account');
    expect(typeof mail.html === 'string' && mail.html).toContain('lang="es"');
  });

  it('leaves the sibling paragraph out when no PIN was printed for a sibling', async () => {
    server = await startTestSmtpServer();
    await mailer().sendWelcome(welcome({ printedSiblings: [] }));
    await mailer().sendWelcome(welcome({ outboxId: 'row-2', language: 'es', printedSiblings: [] }));

    for (const index of [0, 1]) {
      const mail = await parsed(index);
      expect(mail.text).toContain(PIN);
      for (const body of [mail.text ?? '', typeof mail.html === 'string' ? mail.html : '']) {
        expect(body).not.toContain('add another child');
        expect(body).not.toContain('Add child/dependent');
      }
    }
  });

  it('names a single printed sibling in the singular', () => {
    const en = renderWelcome(welcome({ printedSiblings: ['Luis'] })).text;
    expect(en).toContain('We printed a PIN for Luis.');
    expect(en).toContain("Then type Luis's PIN and date of birth.");
    const es = renderWelcome(welcome({ language: 'es', printedSiblings: ['Isabel', 'Inés'] })).text;
    expect(es).toContain('para Isabel e Inés,');
  });

  it('escapes every value placed in the HTML', async () => {
    server = await startTestSmtpServer();
    await mailer().sendWelcome(
      welcome({
        recipientName: '<b>Ana</b>',
        childFirstName: '<b>Ana</b>',
        practiceName: 'Smith & "Jones" <Kids>',
        printedSiblings: ['<img src=x onerror=alert(1)>'],
      }),
    );

    const mail = await parsed(0);
    const html = typeof mail.html === 'string' ? mail.html : '';
    expect(html).toContain('&lt;b&gt;Ana&lt;/b&gt;');
    expect(html).not.toContain('<b>Ana</b>');
    expect(html).toContain('Smith &amp; &quot;Jones&quot; &lt;Kids&gt;');
    expect(html).not.toContain('<img');
    expect(mail.text).toContain('Dear <b>Ana</b>,');
  });

  it('parks a recipient the server refuses (550) as permanent, naming the address and never the PIN', async () => {
    server = await startTestSmtpServer({ rejectRecipients: { match: /^nobody@/ } });
    const err = await deliveryError(mailer().sendWelcome(welcome({ to: 'nobody@example.com' })));

    expect(err.permanent).toBe(true);
    expect(err.message).toBe('The mail server refused nobody@example.com (550): check the address, then retry.');
    expect(err.message).not.toContain(PIN);
    expect(server.messages).toHaveLength(0);
  });

  it('keeps a temporarily refused recipient (451, greylisting) queued, with the server’s hint', async () => {
    server = await startTestSmtpServer({
      rejectRecipients: { match: /^maria/, code: 451, message: 'Greylisted, please try again in 5 minutes' },
    });
    const err = await deliveryError(mailer().sendWelcome(welcome()));

    expect(err.permanent).toBe(false);
    expect(err.message).toContain('(451)');
    expect(err.retryAfterMs).toBe(300_000);
    expect(err.message).not.toContain(PIN);
  });

  it('keeps the email queued when the server cannot be reached', async () => {
    const port = await closedPort();
    const err = await deliveryError(mailer({ smtpPort: port }).sendWelcome(welcome()));

    expect(err.permanent).toBe(false);
    expect(err.message).toMatch(new RegExp(`^The mail server 127\\.0\\.0\\.1:${port} could not be reached \\(E[A-Z]+\\)\\. The email stays queued\\.$`));
    expect(err.message).not.toContain(PIN);
  });

  it('signs in with the configured credentials, and parks a refused sign-in as permanent', async () => {
    server = await startTestSmtpServer({ credentials: { user: 'frontdesk', pass: 'right-password' } });

    await mailer({ smtpUser: 'frontdesk', smtpPassword: 'right-password' }).sendWelcome(welcome());
    expect(server.messages).toHaveLength(1);

    const err = await deliveryError(mailer({ smtpUser: 'frontdesk', smtpPassword: 'wrong-password' }).sendWelcome(welcome()));
    expect(err.permanent).toBe(true);
    expect(err.message).toBe('The mail server refused the sign-in: check the SMTP user and password in Settings.');
    expect(err.message).not.toContain('wrong-password');
    expect(server.messages).toHaveLength(1);
  });
});

describe('one recipient, the outbox row’s (issue 11)', () => {
  const forms: [string, string, string][] = [
    [
      'comma',
      'victim@example.com, attacker@evil.example',
      'This email would go to 2 addresses ("victim@example.com, attacker@evil.example"); it goes to one guardian only. Correct the address (Edit email and retry). Nothing was sent.',
    ],
    [
      'semicolon',
      'mom@example.com; dad@example.org',
      'This email would go to 2 addresses ("mom@example.com; dad@example.org"); it goes to one guardian only. Correct the address (Edit email and retry). Nothing was sent.',
    ],
    [
      'CRLF + Bcc',
      'victim2@example.com\r\nBcc: spy@evil.example',
      'The address "victim2@example.com \u21b5 Bcc: spy@evil.example" cannot be used: line break in the address. Correct it (Edit email and retry). Nothing was sent.',
    ],
    [
      'display name',
      'Maria Lopez <maria.lopez@example.com>',
      'The address "Maria Lopez <maria.lopez@example.com>" cannot be used: a name as well as the address. Correct it (Edit email and retry). Nothing was sent.',
    ],
    [
      'two "@"',
      'maria@@example.com',
      'The address "maria@@example.com" cannot be used: two "@" in the address. Correct it (Edit email and retry). Nothing was sent.',
    ],
  ];

  it.each(forms)('refuses a %s address before any SMTP conversation, as permanent', async (_form, to, message) => {
    server = await startTestSmtpServer();
    const err = await deliveryError(mailer().sendWelcome(welcome({ to })));
    expect(err.permanent).toBe(true);
    expect(err.message).toBe(message);
    expect(err.message).not.toContain(PIN);
    expect(server.connections).toBe(0);
    expect(server.messages).toHaveLength(0);

    // The same mailer then sends to one good address: exactly one conversation, one recipient.
    await mailer().sendWelcome(welcome());
    expect(server.connections).toBe(1);
    expect(server.recipients).toEqual([['maria.lopez@example.com']]);
  });

  it('refuses a line break in a header value it builds (subject, sender), and writes no mail-drop file either', async () => {
    server = await startTestSmtpServer();
    const subject = await deliveryError(
      mailer({ practiceName: 'Sunshine\r\nBcc: spy@evil.example' }).sendWelcome(welcome({ practiceName: 'Sunshine\r\nBcc: spy@evil.example' })),
    );
    expect(subject).toMatchObject({ permanent: true });
    expect(subject.message).toMatch(/line break in this email’s subject/);
    const sender = await deliveryError(mailer({ smtpFrom: 'Clinic <desk@example.com>\r\nBcc: spy@evil.example' }).sendWelcome(welcome()));
    expect(sender).toMatchObject({ permanent: true });
    expect(sender.message).toMatch(/^The sender \("From" in Settings > Email/);
    const twoSenders = await deliveryError(mailer({ smtpFrom: 'Clinic <desk@example.com>, spy@evil.example' }).sendWelcome(welcome()));
    expect(twoSenders.message).toMatch(/must be one address on one line/);
    expect(server.connections).toBe(0);

    const dir = temp.file('mail-drop');
    const drop = await deliveryError(mailer({ smtpHost: '' }).sendWelcome(welcome({ to: 'victim@example.com, attacker@evil.example' })));
    expect(drop.permanent).toBe(true);
    expect(fs.existsSync(dir) ? fs.readdirSync(dir) : []).toEqual([]);
  });

  it('sends to the one address with surrounding spaces dropped, and the envelope names only it', async () => {
    server = await startTestSmtpServer();
    await mailer().send({ outboxId: 'row-9', to: '  maria.lopez@example.com ', language: 'en', subject: 'Hello', text: 'Hi', html: '<p>Hi</p>' });
    expect(server.recipients).toEqual([['maria.lopez@example.com']]);
    const mail = await parsed(0);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((v) => v.address) : null).toEqual(['maria.lopez@example.com']);
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.headers.has('cc')).toBe(false);
  });
});

describe('mail-drop folder', () => {
  it('writes one .eml per outbox row when no SMTP server is set, and reads it back decoded', async () => {
    const dir = temp.file('mail-drop');
    const drop = mailer({ smtpHost: '', practiceName: 'Clínica Pediátrica Sol' });
    expect(drop.transport).toBe('mail-drop');
    const message = welcome({ language: 'es', practiceName: 'Clínica Pediátrica Sol', printedSiblings: ['Luis', 'Sofía'] });

    const first = await drop.sendWelcome(message);
    const again = await drop.sendWelcome(message);

    expect(first.messageId).toBe(welcomeMessageId(OUTBOX_ID));
    expect(again.messageId).toBe(first.messageId);
    const files = fs.readdirSync(dir);
    expect(files).toEqual([`${OUTBOX_ID}.eml`]);
    if (process.platform !== 'win32') expect(fs.statSync(dir).mode & 0o777).toBe(0o700);

    const parsedDrop = await simpleParser(fs.readFileSync(path.join(dir, files[0]!)));
    expect(parsedDrop.messageId).toBe(welcomeMessageId(OUTBOX_ID));
    expect(parsedDrop.headers.get('x-fpp-outbox-id')).toBe(OUTBOX_ID);

    const list = listMailDrop(dir);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      file: `${OUTBOX_ID}.eml`,
      subject: 'Le damos la bienvenida al portal de pacientes de Clínica Pediátrica Sol',
    });
    expect(list[0]!.to).toContain('maria.lopez@example.com');
    expect(Number.isNaN(Date.parse(list[0]!.createdAt))).toBe(false);

    const read = readMailDrop(dir, list[0]!.file, { showPins: true });
    expect(read).toMatchObject({ file: list[0]!.file, to: list[0]!.to, subject: list[0]!.subject, createdAt: list[0]!.createdAt, pinsMasked: false });
    expect(read.text).toContain(`PIN de Ana: ${PIN}`);
    // Anyone but an administrator reads the same message with the PIN masked.
    const masked = readMailDrop(dir, list[0]!.file);
    expect(masked.pinsMasked).toBe(true);
    expect(masked.text).toContain('PIN de Ana: •••-•••-•••');
    expect(masked.text).not.toContain(PIN);
    expect(masked.text.replace('PIN de Ana: •••-•••-•••', `PIN de Ana: ${PIN}`)).toBe(read.text);
    expect(read.text).toContain('Luis y Sofía');
    expect(read.text.trimEnd()).toBe(renderWelcome(message).text.trimEnd());
  });

  it('keeps the first file for an outbox row and lists newest first', () => {
    const dir = temp.file('drop');
    const eml = (subject: string, date: string) =>
      Buffer.from(`To: a@example.com\r\nSubject: ${subject}\r\nDate: ${date}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n`);

    expect(writeMailDrop(dir, 'older', eml('Older', 'Mon, 23 Nov 2026 10:00:00 +0000'))).toBe('older.eml');
    expect(writeMailDrop(dir, 'newer', eml('=?UTF-8?Q?Ni=C3=B1o?= =?UTF-8?Q?_nuevo?=', 'Tue, 24 Nov 2026 10:00:00 +0000'))).toBe('newer.eml');
    expect(writeMailDrop(dir, 'older', eml('Second write', 'Wed, 25 Nov 2026 10:00:00 +0000'))).toBe('older.eml');

    expect(fs.readdirSync(dir).sort()).toEqual(['newer.eml', 'older.eml']);
    expect(listMailDrop(dir)).toEqual([
      { file: 'newer.eml', to: 'a@example.com', subject: 'Niño nuevo', createdAt: '2026-11-24T10:00:00.000Z' },
      { file: 'older.eml', to: 'a@example.com', subject: 'Older', createdAt: '2026-11-23T10:00:00.000Z' },
    ]);
    expect(readMailDrop(dir, 'older.eml').text).toBe('Hello\n');
    expect(listMailDrop(temp.file('missing'))).toEqual([]);
  });

  it('refuses file names that leave the folder', () => {
    const dir = temp.file('drop');
    writeMailDrop(dir, 'x', Buffer.from('Subject: x\r\n\r\nx\r\n'));
    fs.writeFileSync(temp.file('x.eml'), 'Subject: outside\r\n\r\nsecret\r\n');

    for (const name of ['../x.eml', '..\\x.eml', 'sub/x.eml', '/etc/passwd', 'x.txt', '']) {
      expect(() => readMailDrop(dir, name), name).toThrow(/not a mail-drop file name/);
    }
    expect(() => readMailDrop(dir, 'gone.eml')).toThrow(/no longer in the mail-drop folder/);
    expect(() => writeMailDrop(dir, '../escape', Buffer.from('x'))).toThrow(RangeError);
  });
});
