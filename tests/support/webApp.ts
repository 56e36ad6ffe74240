import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { once } from 'node:events';
import { parseLaunchLine } from '../../electron/main/web/launchLine';
import { makeTempDir } from './tempDir';

/**
 * Starts the built web-mode server (out/main/web.js) on a fresh data folder and resolves with the
 * address once it prints it: an event, not a sleep. The address carries a one-time launch code:
 * open it with openWebApp and call it with webApi (support/webSession.ts), which share one session.
 */
export interface WebApp {
  url: string;
  dataDir: string;
  databaseFile: string;
  stop(): Promise<void>;
}

export async function startWebApp(
  options: { demoFamilies?: number; args?: string[]; dataDir?: string; env?: Record<string, string> } = {},
): Promise<WebApp & { pid: number; kill(): Promise<void> }> {
  // A given data folder belongs to the caller (restarts reuse it); a fresh one is removed on stop.
  const temp = options.dataDir ? null : makeTempDir('fpp-e2e-');
  const dataDir = options.dataDir ?? temp!.dir;
  const child: ChildProcess = spawn(
    process.execPath,
    ['out/main/web.js', '--data-dir', dataDir, '--demo-families', String(options.demoFamilies ?? 120), ...(options.args ?? [])],
    { cwd: path.resolve(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = parseLaunchLine(output);
      if (url) resolve(url);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`web mode exited with ${code} before it was ready:\n${output}`)));
  });
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    }
  };
  return {
    url,
    dataDir,
    databaseFile: path.join(dataDir, 'practice.sqlite'),
    pid: child.pid!,
    /** SIGKILL: no chance to finish anything (crash tests). */
    kill: () => stopWith('SIGKILL'),
    async stop() {
      await stopWith('SIGTERM');
      temp?.remove();
    },
  };
}

/**
 * Starts web mode on `dataDir` expecting it to refuse to start: resolves with its exit code and
 * what it printed once it exits; rejects (after stopping it) if it got ready instead.
 */
export async function attemptWebApp(options: { dataDir: string; demoFamilies?: number }): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['out/main/web.js', '--data-dir', options.dataDir, '--demo-families', String(options.demoFamilies ?? 120)],
    {
      cwd: path.resolve(import.meta.dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (parseLaunchLine(stdout)) {
        child.kill('SIGTERM');
        reject(new Error(`web mode started on ${options.dataDir} instead of refusing:\n${stdout}`));
      }
    });
    child.once('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}
