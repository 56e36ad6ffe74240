import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { auditCanonicalSql, auditHashOf, auditHashOfCanonical } from '../../electron/main/db/auditChain';

const sqlite = new BetterSqlite3(':memory:');
afterAll(() => sqlite.close());
sqlite.exec(`CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at TEXT NOT NULL, clerk_id TEXT, workstation TEXT NOT NULL, action TEXT NOT NULL,
  patient_id TEXT, details TEXT NOT NULL, prev_hash TEXT, hash TEXT) STRICT`);
const insert = sqlite.prepare('INSERT INTO audit_log (id, at, clerk_id, workstation, action, patient_id, details, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
const canonical = sqlite.prepare(`SELECT ${auditCanonicalSql()} FROM audit_log WHERE id = ?`).pluck();

/** The fast path's hash of a stored row, against the rule's. */
function bothHashes(id: number, at: string, clerkId: string | null, workstation: string, action: string, patientId: string | null, details: string) {
  const prev = 'a'.repeat(64);
  insert.run(id, at, clerkId, workstation, action, patientId, details, prev);
  return { fast: auditHashOfCanonical(canonical.get(id) as string), rule: auditHashOf(prev, id, at, clerkId, workstation, action, patientId, details) };
}

describe("the audit chain's canonical encoding built by SQLite (the verification's fast path)", () => {
  it('hashes every character SQLite can store as the rule does: each BMP character but surrogates, astral ones, quotes and backslashes', () => {
    const texts: string[] = [];
    for (let c = 0; c < 0x10000; c += 1) if (c < 0xd800 || c > 0xdfff) texts.push(String.fromCharCode(c));
    texts.push('😀', '\u{10FFFF}', '"\\/', '\u2028\u2029', 'x'.repeat(10_000));
    const differ: string[] = [];
    sqlite.transaction(() => {
      texts.forEach((text, i) => {
        const { fast, rule } = bothHashes(i + 1, `a${text}b`, i % 2 ? null : text, text, 'sign_in', i % 3 ? null : text, JSON.stringify({ text }));
        if (fast !== rule) differ.push(text.codePointAt(0)!.toString(16));
      });
    })();
    expect(differ).toEqual([]);
  });
});
