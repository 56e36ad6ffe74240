import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The packaged app's fuses, read from electron-builder.yml the way electron-builder itself reads
 * and validates it (`npm run dist` flips these bits inside the Electron binary).
 */
const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(path.join(root, 'package.json'));

interface BuilderConfig {
  asar?: boolean;
  asarUnpack?: string[];
  electronFuses?: Record<string, boolean>;
}

async function builderConfig(): Promise<BuilderConfig> {
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
    getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<BuilderConfig>;
    validateConfiguration(config: BuilderConfig, logger: unknown): Promise<void>;
  };
  const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
  const config = await getConfig(root, 'electron-builder.yml', null);
  await validateConfiguration(config, new DebugLogger(false)); // throws on an unknown or mistyped option
  return config;
}

describe('packaged builds', () => {
  it('set the Electron fuses: no RunAsNode, no Node inspect or NODE_OPTIONS, encrypted cookies, ASAR only and integrity-checked', async () => {
    const config = await builderConfig();
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeCliInspectArguments: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });

  it('has an `npm run dist` that builds with that configuration', () => {
    const pkg = require(path.join(root, 'package.json')) as { scripts: Record<string, string>; devDependencies: Record<string, string> };
    expect(pkg.scripts.dist).toBe('node scripts/dist.mjs');
    expect(fs.readFileSync(path.join(root, 'scripts/dist.mjs'), 'utf8')).toContain("'--config', 'electron-builder.yml'");
    expect(pkg.devDependencies['electron-builder']).toBeDefined();
  });
});
