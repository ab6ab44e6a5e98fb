import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The project's scripts as a person runs them: real child processes on the project's Node (not
 * vitest's loader), `npm start` on free ports with its data in a temporary folder.
 */
export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface RunningStart {
  child: ChildProcess;
  apiUrl: string;
  inboxUrl: string;
  /** The local identity provider's issuer (its sign-in). */
  idpUrl: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Kills whatever a test left running (call from afterEach). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** `npm start` (local/start.ts) with these settings on top of free ports and a fresh data folder. */
export async function startLocal(env: Record<string, string> = {}): Promise<RunningStart> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'offshore-start-'));
  const child = spawn(process.execPath, ['local/start.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', SES_PORT: '0', IDP_PORT: '0', LOCAL_DATA_DIR: dataDir, MONITOR_INTERVAL_SECONDS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanUp = () => exited.then(() => rm(dataDir, { recursive: true, force: true }));
  void cleanUp();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up: ${output}`)), 20_000);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const api = /API\s+(http:\/\/\S+)/.exec(output);
      const inbox = /Email inbox\s+(http:\/\/\S+?)\/?\s/.exec(output);
      const idp = /Sign-in\s+(http:\/\/\S+)/.exec(output);
      if (api && inbox && idp) {
        clearTimeout(timer);
        resolve({
          child,
          apiUrl: api[1]!,
          inboxUrl: inbox[1]!,
          idpUrl: idp[1]!,
          output: () => output,
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
            running.delete(child);
          },
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited ${code}: ${output}`));
    });
  });
}

/** Runs a project script (e.g. local/monitor.ts) to its end. */
export function runScript(
  script: string,
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) =>
    child.once('close', (code) => {
      running.delete(child);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** A loopback port nothing listens on (taken from the OS, then released). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
