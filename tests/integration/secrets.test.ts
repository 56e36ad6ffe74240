import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FamilyView, IssuedBatch } from '../../shared/api';
import { NO_CHOICES } from '../../shared/domain/plan';
import { normalizePin } from '../../shared/domain/pin';
import type { App } from '../../electron/main/app';
import { DATA_KEY_ENV, loadDataKey, type KeyWrapper } from '../../electron/main/crypto/dataKey';
import { createDataCipher } from '../../electron/main/crypto/envelope';
import { fileSecretStore } from '../../electron/main/secrets/secretStore';
import { insertFamilies, type FamilyFixture } from '../support/fixtures';
import { makeTempDir } from '../support/tempDir';
import { ADA_ADMIN, invokeOk, NEW_YORK_TIME, openTestDesk } from '../support/testDesk';

const NOW = new Date('2026-11-22T15:00:00Z');
let temp: ReturnType<typeof makeTempDir>;
let app: App | null = null;
let dataDir: string;
let databaseFile: string;

const LOPEZ: FamilyFixture = {
  id: 'f-lopez',
  name: 'Lopez',
  children: [
    { id: 'p-ana', firstName: 'Ana', dateOfBirth: '2015-03-14' },
    { id: 'p-luis', firstName: 'Luis', dateOfBirth: '2018-06-02' },
  ],
  contacts: [
    {
      id: 'c-maria',
      firstName: 'Maria',
      lastName: 'Lopez',
      email: 'maria.lopez@example.com',
      links: ['p-ana', 'p-luis'].map((patientId) => ({ patientId, sort: 1, authority: 'Joint' as const, residesWith: true, relationship: 'Mother' })),
    },
  ],
};

async function open(): Promise<App> {
  app = await openTestDesk(databaseFile, { now: () => NOW, workstation: 'desk-1', settings: NEW_YORK_TIME, clerks: [ADA_ADMIN] });
  return app;
}

async function close(): Promise<void> {
  await app?.close();
  app = null;
}

const ok = <T>(name: string, input: unknown): Promise<T> => invokeOk<T>(app!, name, input);

/** Issues the Lopez family's PINs and returns the packet (Ana's PIN is emailed, Luis's printed). */
async function issueLopez(): Promise<IssuedBatch> {
  insertFamilies(app!.context.sqlite, [LOPEZ]);
  const family = await ok<FamilyView>('family.load', { familyId: 'f-lopez' });
  const batchId = randomUUID();
  const expectedPatientIds = family.children.filter((c) => c.verdict.kind === 'eligible').map((c) => c.patientId);
  return ok<IssuedBatch>('pins.issue', { batchId, familyId: 'f-lopez', choices: NO_CHOICES, expectedPatientIds, reviewToken: family.reviewToken });
}

const printedPins = (packet: IssuedBatch) => packet.guardians.flatMap((g) => g.children.flatMap((c) => (c.pin ? [c.pin] : [])));

/** Every byte the app keeps in its data folder (database, WAL, keys, secrets), as one string. */
function everythingOnDisk(): string {
  const texts: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else texts.push(fs.readFileSync(full).toString('latin1'));
    }
  };
  walk(dataDir);
  return texts.join('\n');
}

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

beforeEach(() => {
  temp = makeTempDir();
  dataDir = path.join(temp.dir, 'desk');
  databaseFile = path.join(dataDir, 'practice.sqlite');
});
afterEach(async () => {
  await close();
  temp.remove();
});

describe('secrets at rest', () => {
  it('keeps issued PINs out of the data folder in plain text, yet prints them and delivers them', async () => {
    await open();
    const packet = await issueLopez();
    const printed = printedPins(packet);
    expect(printed).toHaveLength(1);

    const payloads = app!.context.sqlite
      .prepare(`SELECT json_extract(payload, '$.pin') AS pin FROM outbox WHERE kind IN ('portal.enrollment', 'email.welcome')`)
      .all() as { pin: string }[];
    expect(payloads).toHaveLength(3);
    expect(payloads.every((p) => p.pin.startsWith('enc1:'))).toBe(true);

    app!.context.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const disk = everythingOnDisk();
    expect(disk).not.toContain(normalizePin(printed[0]!));
    expect(disk).not.toContain(printed[0]!);

    // A reprint after a restart shows the very same PIN.
    await close();
    await open();
    const reprint = await ok<IssuedBatch>('pins.packet', { batchId: packet.batchId });
    expect(printedPins(reprint)).toEqual(printed);
  });

  it('stores the SMTP password and sync token sealed, and reads them back after a restart', async () => {
    await open();
    await ok('secrets.set', { key: 'smtpPassword', value: 'hunter2-smtp-password' });
    await ok('secrets.set', { key: 'syncToken', value: 'sync-token-abcdef-123456' });
    const file = fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8');
    expect(file).not.toContain('hunter2-smtp-password');
    expect(file).not.toContain('sync-token-abcdef-123456');
    await close();
    await open();
    expect(await ok('secrets.status', {})).toEqual({ smtpPassword: true, syncToken: true });
    const key = loadDataKey(dataDir, { env: {} });
    expect(fileSecretStore(dataDir, createDataCipher(key.key)).get('syncToken')).toBe('sync-token-abcdef-123456');
  });

  it('seals plain secrets and plain outbox PINs left by an earlier version when it starts', async () => {
    await open();
    const packet = await issueLopez();
    const printed = printedPins(packet)[0]!;
    const enrollment = app!.context.sqlite.prepare(`SELECT p.id FROM pins p WHERE p.delivery = 'print'`).pluck().get() as string;
    await close();

    // What the previous version left: plain JSON secrets, a plain PIN in the enrollment payload.
    fs.writeFileSync(path.join(dataDir, 'secrets.json'), JSON.stringify({ smtpPassword: 'old-plain-password' }));
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(databaseFile);
    raw
      .prepare(`UPDATE outbox SET payload = json_set(payload, '$.pin', ?) WHERE kind = 'portal.enrollment' AND ref = ?`)
      .run(normalizePin(printed), enrollment);
    raw.close();
    expect(everythingOnDisk()).toContain('old-plain-password');

    await open();
    app!.context.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const disk = everythingOnDisk();
    expect(disk).not.toContain('old-plain-password');
    expect(disk).not.toContain(normalizePin(printed));
    expect(await ok('secrets.status', {})).toMatchObject({ smtpPassword: true });
    expect(printedPins(await ok<IssuedBatch>('pins.packet', { batchId: packet.batchId }))).toEqual([printed]);
  });

  it('makes the data folder owner-only and its database, WAL, key and secret files 0600 whatever the umask', async () => {
    const previous = process.umask(0);
    try {
      await open();
      await ok('secrets.set', { key: 'smtpPassword', value: 'pw' });
      await issueLopez();
    } finally {
      process.umask(previous);
    }
    expect(modeOf(dataDir)).toBe(0o700);
    for (const name of ['practice.sqlite', 'practice.sqlite-wal', 'practice.sqlite-shm', 'secrets.json', 'data.key', 'pin-fingerprint.key']) {
      expect([name, modeOf(path.join(dataDir, name))]).toEqual([name, 0o600]);
    }
  });

  it('tightens an existing data folder that an earlier version left readable by others', async () => {
    await open();
    await close();
    fs.chmodSync(dataDir, 0o755);
    fs.chmodSync(databaseFile, 0o644);
    await open();
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(databaseFile)).toBe(0o600);
  });

  it('leaves a shared folder (others may write there, like /tmp) as it is, and still makes its own files 0600', async () => {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.chmodSync(dataDir, 0o1777);
    await open();
    await ok('secrets.set', { key: 'smtpPassword', value: 'pw' });
    await close();
    await open();
    expect(fs.statSync(dataDir).mode & 0o7777).toBe(0o1777);
    for (const name of ['practice.sqlite', 'secrets.json', 'data.key']) {
      expect([name, modeOf(path.join(dataDir, name))]).toEqual([name, 0o600]);
    }
  });

  it('refuses a data key from the environment that is not 32 bytes, and cannot open secrets sealed with another key', async () => {
    expect(() => loadDataKey(dataDir, { env: { [DATA_KEY_ENV]: 'c2hvcnQ=' } })).toThrow(/32 random bytes in base64/);
    const first = randomBytes(32);
    fs.mkdirSync(dataDir, { recursive: true });
    fileSecretStore(dataDir, createDataCipher(loadDataKey(dataDir, { env: { [DATA_KEY_ENV]: first.toString('base64') } }).key)).set('syncToken', 'tok-1');
    const other = loadDataKey(dataDir, { env: { [DATA_KEY_ENV]: randomBytes(32).toString('base64') } });
    expect(() => fileSecretStore(dataDir, createDataCipher(other.key)).get('syncToken')).toThrow(/data key does not match/);
    expect(fileSecretStore(dataDir, createDataCipher(first)).get('syncToken')).toBe('tok-1');
  });

  it('keeps the data key wrapped by the keychain in Electron, moving a web-mode key file under it', async () => {
    // Stands in for Electron's safeStorage: a real cipher whose key the data folder never sees.
    const keychainKey = randomBytes(32);
    const keychain: KeyWrapper = {
      isEncryptionAvailable: () => true,
      encryptString(plain) {
        const iv = randomBytes(12);
        const c = createCipheriv('aes-256-gcm', keychainKey, iv);
        const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
        return Buffer.concat([iv, c.getAuthTag(), body]);
      },
      decryptString(data) {
        const d = createDecipheriv('aes-256-gcm', keychainKey, data.subarray(0, 12));
        d.setAuthTag(data.subarray(12, 28));
        return Buffer.concat([d.update(data.subarray(28)), d.final()]).toString('utf8');
      },
    };
    fs.mkdirSync(dataDir, { recursive: true });
    const webKey = loadDataKey(dataDir, { env: {} });
    expect(webKey.source).toBe('key-file');

    const wrapped = loadDataKey(dataDir, { env: {}, keyWrapper: keychain });
    expect(wrapped).toMatchObject({ source: 'os-keychain' });
    expect(wrapped.key.equals(webKey.key)).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'data.key'))).toBe(false);
    const onDisk = fs.readFileSync(path.join(dataDir, 'data-key.safe'));
    expect(onDisk.includes(webKey.key)).toBe(false);
    expect(onDisk.toString('latin1')).not.toContain(webKey.key.toString('base64'));
    expect(modeOf(path.join(dataDir, 'data-key.safe'))).toBe(0o600);

    expect(loadDataKey(dataDir, { env: {}, keyWrapper: keychain }).key.equals(webKey.key)).toBe(true);
    expect(() => loadDataKey(dataDir, { env: {} })).toThrow(/keychain key/);
  });
});
