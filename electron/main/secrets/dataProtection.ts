import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { createDataCipher, type DataCipher } from '../crypto/envelope';
import { loadDataKey, type DataKeySource, type KeyWrapper } from '../crypto/dataKey';
import { sealPlaintextPayloads } from '../crypto/payloadSeal';
import { restrictDataFiles } from './dataFolder';

export interface DataProtection {
  cipher: DataCipher;
  keySource: DataKeySource;
}

/**
 * Once the database is open: data files owner-only, the data key loaded (from the OS keychain in
 * Electron), its cipher made (createApp keeps it on the context), and any plain PIN or token an earlier version left
 * in the outbox sealed in place.
 */
export function protectDataAtRest(sqlite: BetterSqlite3.Database, databaseFile: string, keyWrapper?: KeyWrapper): DataProtection {
  const dataDir = databaseFile === ':memory:' ? null : path.dirname(databaseFile);
  if (dataDir) restrictDataFiles(dataDir, databaseFile);
  const { key, source } = loadDataKey(dataDir, { keyWrapper });
  const cipher = createDataCipher(key);
  key.fill(0);
  sealPlaintextPayloads(sqlite, cipher);
  return { cipher, keySource: source };
}
