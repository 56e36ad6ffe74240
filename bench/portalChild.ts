import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { App } from '../electron/main/app';
import { signInAs } from '../electron/main/clerks/sessionService';
import { okValue } from './stats';

/** The reference portal running in a child process (bench/portalProcess.ts). */
export interface PortalChild {
  url: string;
  token: string;
  dbFile: string;
  /** Patients the portal holds. */
  patients: number;
  /** Seconds the child took to seed and start listening (its own clock). */
  seedSeconds: number;
  pid: number | undefined;
  /** Asks the child to stop and waits for it (SIGKILL after `graceMs`). Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
  /** Synchronous last resort for process 'exit' handlers. */
  kill(): void;
  /** CPU time the child and its own children used so far (ms; Linux /proc), null where unknown. */
  cpuMs(): number | null;
}

/** utime + stime of a process and its descendants, from /proc (Linux); null elsewhere. */
function treeCpuMs(pid: number | undefined): number | null {
  if (pid === undefined || process.platform !== 'linux') return null;
  const ticksPerMs = 100 / 1000; // USER_HZ is 100 on Linux
  let total = 0;
  const visit = (id: number) => {
    try {
      const fields = fs.readFileSync(`/proc/${id}/stat`, 'utf8').split(') ')[1]!.split(' ');
      total += Number(fields[11]) + Number(fields[12]);
      for (const task of fs.readdirSync(`/proc/${id}/task`)) {
        const children = fs.readFileSync(`/proc/${id}/task/${task}/children`, 'utf8').trim();
        for (const child of children ? children.split(' ') : []) visit(Number(child));
      }
    } catch {
      // gone meanwhile
    }
  };
  visit(pid);
  return total / ticksPerMs;
}

const root = path.resolve(import.meta.dirname, '..');

/**
 * Spawns the portal with tsx and resolves on its READY line (rejects if it exits, or prints
 * nothing ready within `timeoutMs`).
 */
export function startPortalChild(options: {
  dbFile: string;
  token: string;
  patients: number;
  today: string;
  now: Date;
  /** Scheduling niceness of the child (0: as this process). */
  nice?: number;
  /** PBKDF2 rounds of the PIN hashes the portal stores (default the app's PIN_HASH_ITERATIONS). */
  pinHashIterations?: number;
  /** 'normal': the portal does not sync each commit to disk (see PortalOptions.diskSync). */
  diskSync?: 'full' | 'normal';
  timeoutMs?: number;
}): Promise<PortalChild> {
  const child: ChildProcess = spawn(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'bench/portalProcess.ts')], {
    cwd: root,
    env: {
      ...process.env,
      BENCH_PORTAL_DB: options.dbFile,
      BENCH_PORTAL_TOKEN: options.token,
      BENCH_PATIENTS: String(options.patients),
      BENCH_TODAY: options.today,
      BENCH_NOW: options.now.toISOString(),
      BENCH_PORTAL_NICE: String(options.nice ?? 0),
      ...(options.pinHashIterations ? { BENCH_PORTAL_PIN_ITERATIONS: String(options.pinHashIterations) } : {}),
      ...(options.diskSync ? { BENCH_PORTAL_DISK_SYNC: options.diskSync } : {}),
    },
    // stdin stays open: the child stops when it closes (this process went away).
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let exited = child.exitCode !== null;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  const kill = () => {
    if (!exited) child.kill('SIGKILL');
  };
  const stop = async (graceMs = 5000) => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(kill, graceMs);
    await exitedPromise;
    clearTimeout(timer);
  };

  return new Promise<PortalChild>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      fail(new Error(`the portal child printed no READY line within ${(options.timeoutMs ?? 600_000) / 1000} s`));
    }, options.timeoutMs ?? 600_000);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(new Error(`the portal child exited before it was ready (code ${code}, signal ${signal})`));
    const onError = (error: Error) => fail(error);
    function fail(error: Error) {
      clearTimeout(timer);
      child.off('exit', onExit);
      lines.close();
      kill();
      reject(error);
    }
    child.once('exit', onExit);
    child.once('error', onError);
    lines.on('line', (line) => {
      if (!line.startsWith('READY ')) {
        process.stdout.write(`[portal] ${line}\n`);
        return;
      }
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      const ready = JSON.parse(line.slice('READY '.length)) as { url: string; patients: number; seedSeconds: number };
      // The listener stays: later lines are relayed, so the pipe never fills.
      resolve({ ...ready, token: options.token, dbFile: options.dbFile, pid: child.pid, stop, kill, cpuMs: () => treeCpuMs(child.pid) });
    });
  });
}

/** Settings > Practice system, as an administrator does it; the desk's clerk is signed in again after. */
export async function configureSync(app: App, portal: PortalChild, adminId: string): Promise<void> {
  const clerkId = app.context.session.clerkId;
  await signInAs(app.context, adminId);
  okValue(await app.invoke('settings.update', { changes: { syncUrl: portal.url } }), 'settings.update');
  okValue(await app.invoke('secrets.set', { key: 'syncToken', value: portal.token }), 'secrets.set');
  if (clerkId && clerkId !== adminId) await signInAs(app.context, clerkId);
}
