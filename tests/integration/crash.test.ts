import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FamilyView, StatusInfo } from '../../shared/api';
import { localDateIn } from '../../shared/domain/dates';
import { NO_CHOICES, planFamilyPins } from '../../shared/domain/plan';
import { planInputsFromFamily } from '../../shared/planInputs';
import { demoScenarioFamilies } from '../../electron/main/demo/demoPractice';
import { startPortal, type PortalServer } from '../support/portal/server';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtpServer';
import { makeTempDir } from '../support/tempDir';
import { signInOnWeb } from '../support/signIn';
import { webApi } from '../support/webApi';
import { startWebApp } from '../support/webApp';
import { waitFor } from '../support/waitFor';

/**
 * SIGKILL the workstation's process while its outbox drains, 50 times, restarting it on the same
 * data folder each time. Registrations must reach the portal exactly once (the portal dedupes by
 * delivery id); a Welcome email may repeat only when the kill fell after the SMTP server accepted
 * it and before the desk committed "delivered" — the test counts how often that happened.
 */
const KILLS = 50;
const FAMILIES = 200;

let temp: ReturnType<typeof makeTempDir>;
let portal: PortalServer;
let smtp: TestSmtpServer;

beforeAll(async () => {
  temp = makeTempDir('fpp-crash-');
  const today = localDateIn(new Date(), Intl.DateTimeFormat().resolvedOptions().timeZone);
  // Both sides hold the same demo practice (same seed, same day), as after an initial sync.
  portal = await startPortal({ dbFile: temp.file('portal.sqlite'), token: 'crash-token', seedDemo: { families: FAMILIES, today, now: new Date() } });
  smtp = await startTestSmtpServer();
}, 120_000);

afterAll(async () => {
  await portal?.close();
  await smtp?.close();
  temp?.remove();
});

describe('a workstation killed while it delivers', () => {
  it(`loses nothing and registers nothing twice over ${KILLS} kills`, async () => {
    const dataDir = temp.file('desk');
    const env = { FPP_OUTBOX_POLL_MS: '200', FPP_PULL_EVERY_MS: '3600000' };
    let desk = await startWebApp({ dataDir, demoFamilies: FAMILIES, env });
    let invoke = webApi(desk.url);
    await signInOnWeb(desk.url, 'admin');
    await invoke('settings.update', { changes: { syncUrl: portal.url, smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpSecurity: 'none' } });
    await invoke('secrets.set', { key: 'syncToken', value: 'crash-token' });
    await signInOnWeb(desk.url, 'demo');
    // A review loaded while the first pull rewrites the family can be refused as stale ("look
    // again", issue 10); this test is about kills, not that race, so pull first.
    await invoke('sync.now', {});

    const db = new BetterSqlite3(desk.databaseFile, { readonly: true });
    const families = demoScenarioFamilies(db)['siblings-3'].concat(demoScenarioFamilies(db)['siblings-2']);
    let issuedPins = 0;
    let issuedEmails = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      // A family already issued is not issued again (issue 10): a second round adds one sibling's
      // replacement PIN instead, so every kill still lands in the middle of a real drain.
      const familyId = families[kill % families.length]!;
      // The drain of the rounds before may change what this family's review covers (a Welcome
      // granted to a guardian of two families, a replaced PIN revoked): "look again", as the clerk does.
      for (let look = 1; ; look++) {
        const family = await invoke<FamilyView>('family.load', { familyId });
        const { children, contacts } = planInputsFromFamily(family);
        const held = family.children.find((c) => c.enrollment.heldPin !== null);
        const choices = kill >= families.length && held ? { ...NO_CHOICES, replacePins: { [held.patientId]: `crash round ${kill}` } } : NO_CHOICES;
        const plan = planFamilyPins(children, contacts, choices);
        const expectedPatientIds = plan.guardians.flatMap((g) => g.children.map((c) => c.patientId));
        try {
          await invoke('pins.issue', { batchId: randomUUID(), familyId, choices, expectedPatientIds, reviewToken: family.reviewToken });
        } catch (error) {
          if (look < 3 && error instanceof Error && /changed since you reviewed it/.test(error.message)) continue;
          throw error;
        }
        issuedPins += plan.pinCount;
        issuedEmails += plan.emailCount;
        break;
      }
      // Kill at a different point of the drain each time: 0 to ~60 ms after the commit.
      await new Promise((resolve) => setTimeout(resolve, (kill * 7) % 60));
      await desk.kill();
      desk = await startWebApp({ dataDir, demoFamilies: FAMILIES, env });
      invoke = webApi(desk.url);
    }
    await waitFor(async () => (await invoke<StatusInfo>('status.get', {})).outboxWaiting === 0, { what: 'the outbox to drain' });
    await desk.stop();
    db.close();

    const enrollments = portal.enrollments();
    expect(enrollments).toHaveLength(issuedPins);
    expect(new Set(enrollments.map((e) => e.pinId)).size).toBe(issuedPins);
    const messageIds = smtp.messages.map((m) => /^Message-ID:\s*(\S+)/im.exec(m.toString('utf8'))?.[1]);
    const distinct = new Set(messageIds).size;
    expect(distinct).toBe(issuedEmails);
    const repeated = smtp.messages.length - distinct;
    console.log(
      `${KILLS} kills: ${issuedPins} registrations applied once each; ${issuedEmails} Welcome emails, ${repeated} repeated by a kill between SMTP acceptance and the local commit`,
    );
  }, 600_000);
});
