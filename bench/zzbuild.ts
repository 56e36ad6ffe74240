import { createApp } from '../electron/main/app';
const app = await createApp({ databaseFile: '/tmp/bulkbench/m200k.sqlite', demo: { patients: 200_000 }, now: () => new Date('2026-11-22T15:00:00Z') });
await app.close();
console.log('built');
