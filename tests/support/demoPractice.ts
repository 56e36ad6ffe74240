import BetterSqlite3 from 'better-sqlite3';
import type { TestType } from '@playwright/test';
import { demoScenarioFamilies, type DemoScenario } from '../../electron/main/demo/demoPractice';
import { startWebApp, type WebApp } from './webApp';

export interface DemoKid {
  id: string;
  first_name: string;
  last_name: string;
  chart_number: string;
  date_of_birth: string;
  status: string;
}

/**
 * One web-mode app on a fresh demo practice per spec file, with a read-only view of its SQLite
 * file so tests can pick the scenario families and check what the app wrote.
 */
export function useDemoPractice(test: TestType<object, object>, demoFamilies = 120) {
  const demo = {
    web: undefined as unknown as WebApp,
    db: undefined as unknown as BetterSqlite3.Database,
    scenarios: {} as Record<DemoScenario, string[]>,
    kids(familyId: string): DemoKid[] {
      return demo.db
        .prepare('SELECT id, first_name, last_name, chart_number, date_of_birth, status FROM patients WHERE family_id = ? ORDER BY date_of_birth')
        .all(familyId) as DemoKid[];
    },
    familyName(familyId: string): string {
      return demo.db.prepare('SELECT name FROM families WHERE id = ?').pluck().get(familyId) as string;
    },
  };
  test.beforeAll(async () => {
    demo.web = await startWebApp({ demoFamilies });
    demo.db = new BetterSqlite3(demo.web.databaseFile, { readonly: true });
    demo.scenarios = demoScenarioFamilies(demo.db);
  });
  test.afterAll(async () => {
    demo.db?.close();
    await demo.web?.stop();
  });
  return demo;
}
