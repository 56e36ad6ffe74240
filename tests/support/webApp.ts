import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { once } from 'node:events';
import { makeTempDir } from './tempDir';

/**
 * Starts the built web-mode server (out/main/web.js) on a fresh data folder and resolves with the
 * address once it prints READY: an event, not a sleep.
 */
export interface WebApp {
  url: string;
  dataDir: string;
  databaseFile: string;
  stop(): Promise<void>;
}

export async function startWebApp(options: { demoFamilies?: number; args?: string[] } = {}): Promise<WebApp> {
  const temp = makeTempDir('fpp-e2e-');
  const child: ChildProcess = spawn(
    process.execPath,
    ['out/main/web.js', '--data-dir', temp.dir, '--demo-families', String(options.demoFamilies ?? 120), ...(options.args ?? [])],
    { cwd: path.resolve(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /READY (\S+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`web mode exited with ${code} before it was ready:\n${output}`)));
  });
  return {
    url,
    dataDir: temp.dir,
    databaseFile: path.join(temp.dir, 'practice.sqlite'),
    async stop() {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      temp.remove();
    },
  };
}
