import { describe, expect, it } from 'vitest';
import { JOB_KINDS, JOB_STATES } from '../../../shared/jobs/jobs';
import { migrationDatabasePerTest } from '../../support/migrationDatabase';

const db = migrationDatabasePerTest('20261203_010_job_runs');

describe('20261203_010_job_runs', () => {
  const insert = (id: string, kind: string, state: string) =>
    db.sqlite.prepare(`INSERT INTO job_runs (id, kind, state, started_at, updated_at) VALUES (?, ?, ?, 'a', 'b')`).run(id, kind, state);

  it('keeps a run record for every job kind and state the app knows, counting from zero', () => {
    let n = 0;
    for (const kind of JOB_KINDS) for (const state of JOB_STATES) insert(`j${n++}`, kind, state);
    const row = db.sqlite.prepare(`SELECT rows_done, rows_total, resumed, resume_point FROM job_runs WHERE id = 'j0'`).get();
    expect(row).toEqual({ rows_done: 0, rows_total: 0, resumed: 0, resume_point: null });
  });

  it('refuses a kind or state it does not know, and negative counts', () => {
    expect(() => insert('x', 'bulk.export', 'running')).toThrow(/CHECK/);
    expect(() => insert('y', 'import.apply', 'paused')).toThrow(/CHECK/);
    insert('z', 'import.apply', 'running');
    expect(() => db.sqlite.prepare(`UPDATE job_runs SET rows_done = -1 WHERE id = 'z'`).run()).toThrow(/CHECK/);
  });

  it("keeps a job's staged work beside its record, and drops it with the record", () => {
    db.sqlite.pragma('foreign_keys = ON');
    insert('j', 'import.apply', 'running');
    db.sqlite.prepare(`INSERT INTO job_payloads (job_id, payload) VALUES ('j', '{"files":[]}')`).run();
    expect(() => db.sqlite.prepare(`INSERT INTO job_payloads (job_id, payload) VALUES ('nobody', '{}')`).run()).toThrow(/FOREIGN KEY/);
    db.sqlite.prepare(`DELETE FROM job_runs WHERE id = 'j'`).run();
    expect(db.sqlite.prepare('SELECT count(*) FROM job_payloads').pluck().get()).toBe(0);
  });
});
