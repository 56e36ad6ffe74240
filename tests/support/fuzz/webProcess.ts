import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import type { Result } from '../../../shared/api';
import { parseLaunchLine } from '../../../electron/main/web/launchLine';
import { webSession } from '../webSession';

/**
 * Web mode (out/main/web.js) as a child process whose stdout and stderr are kept whole, for tests
 * that must read everything the app printed (support/webApp.ts keeps only what precedes the address).
 */
export interface WebProcess {
  url: string;
  dataDir: string;
  databaseFile: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** What it wrote to stderr alone. */
  errors(): string;
  /** Null while running. */
  exitCode(): number | null;
  pid: number;
  /** Resolves with the exit code (128 when killed by a signal) once the process has exited. */
  exited: Promise<number>;
  stop(): Promise<void>;
}

export async function startWebProcess(options: { dataDir: string; demoFamilies: number; env?: Record<string, string> }): Promise<WebProcess> {
  const child: ChildProcess = spawn(process.execPath, ['out/main/web.js', '--data-dir', options.dataDir, '--demo-families', String(options.demoFamilies)], {
    cwd: path.resolve(import.meta.dirname, '../../..'),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let output = '';
  let errors = '';
  let exit: number | null = null;
  const exited = new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = code ?? (signal ? 128 : -1);
      resolve(exit);
    }),
  );
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    errors += chunk.toString('utf8');
  });
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const url = parseLaunchLine(output);
      if (url) {
        child.stdout!.off('data', onData);
        resolve(url);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`web mode exited with ${code} before it was ready:\n${output}`)));
  });
  return {
    url,
    dataDir: options.dataDir,
    databaseFile: path.join(options.dataDir, 'practice.sqlite'),
    output: () => output,
    errors: () => errors,
    exitCode: () => exit,
    pid: child.pid!,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

export interface RawAnswer {
  status: number;
  text: string;
}

/** A bridge client that sends exact bytes (the fuzz needs bodies fetch would not send as is). */
export function bridge(openUrl: string) {
  const url = new URL(openUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  async function send(body: string | Buffer, contentType: string | null = 'application/json'): Promise<RawAnswer> {
    const { header: cookie } = await webSession(openUrl);
    return new Promise((resolve, reject) => {
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      const headers: Record<string, string | number> = { cookie, 'content-length': bytes.length };
      if (contentType !== null) headers['content-type'] = contentType;
      const request = http.request({ host: url.hostname, port: url.port, path: '/api/invoke', method: 'POST', headers, agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      });
      request.on('error', reject);
      request.end(bytes);
    });
  }
  async function invoke<T>(name: string, input: unknown): Promise<Result<T>> {
    const answer = await send(JSON.stringify({ name, input }));
    if (answer.status !== 200) throw new Error(`${name}: HTTP ${answer.status}`);
    return JSON.parse(answer.text) as Result<T>;
  }
  return { send, invoke, close: () => agent.destroy() };
}
