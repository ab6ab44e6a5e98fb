import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The browser the e2e suite drives: Debian's `chromium` (never a browser download). `npm test` must
 * pass on a fresh machine by itself, so when Chromium is missing and this user may install packages
 * (root, or sudo without a password) it is installed with apt-get; otherwise the suite stops with
 * one line saying exactly what to run.
 */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';
export const INSTALL_COMMAND = 'sudo apt-get update && sudo apt-get install -y chromium';

/** What the decision needs to know about the machine; injected so the decision is testable. */
export interface MachineChecks {
  /** CHROMIUM_PATH, when the person chose a browser themselves. */
  chosenPath: string | undefined;
  exists(path: string): boolean;
  hasAptGet(): boolean;
  isRoot(): boolean;
  /** `sudo -n true` succeeds: sudo works without asking for a password. */
  sudoWithoutPassword(): boolean;
  /** Runs a command to its end; `ok` is exit status 0. */
  run(command: readonly string[]): Promise<{ ok: boolean; output: string }>;
  /** Progress for the person waiting (a minute or two for the install). */
  say(line: string): void;
}

export type ChromiumPlan =
  | { action: 'use'; executable: string }
  | { action: 'install'; asRoot: readonly string[] }
  | { action: 'refuse'; message: string };

/** What to do, from the checks alone (nothing is run here). */
export function planChromium(checks: Omit<MachineChecks, 'run' | 'say'>): ChromiumPlan {
  if (checks.chosenPath) {
    return checks.exists(checks.chosenPath)
      ? { action: 'use', executable: checks.chosenPath }
      : {
          action: 'refuse',
          message: `CHROMIUM_PATH is ${checks.chosenPath}, which does not exist: point it at a Chromium executable, or unset it to use Debian's chromium.`,
        };
  }
  if (checks.exists(DEBIAN_CHROMIUM)) return { action: 'use', executable: DEBIAN_CHROMIUM };
  if (!checks.hasAptGet()) {
    return {
      action: 'refuse',
      message: `Chromium is not installed at ${DEBIAN_CHROMIUM} and this machine has no apt-get: install Chromium and run CHROMIUM_PATH=/path/to/chromium npm test.`,
    };
  }
  // DEBIAN_FRONTEND through env(1), as sudo does not pass the caller's environment on.
  const apt = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get'];
  if (checks.isRoot()) return { action: 'install', asRoot: apt };
  if (checks.sudoWithoutPassword()) return { action: 'install', asRoot: ['sudo', '-n', ...apt] };
  return {
    action: 'refuse',
    message: `Chromium is not installed (${DEBIAN_CHROMIUM}) and installing it needs root: run \`${INSTALL_COMMAND}\`, then npm test again.`,
  };
}

const lastLine = (output: string) => output.trim().split('\n').at(-1)?.trim() ?? '';

/** The Chromium executable to launch, installing Debian's when it is missing and allowed; else throws one line. */
export async function ensureChromium(checks: MachineChecks = machineChecks()): Promise<string> {
  const plan = planChromium(checks);
  if (plan.action === 'use') return plan.executable;
  if (plan.action === 'refuse') throw new Error(plan.message);
  checks.say(`Chromium is missing: installing Debian's chromium for the browser test (apt-get install -y chromium)...`);
  let result = await checks.run([...plan.asRoot, 'install', '-y', 'chromium']);
  if (!result.ok) {
    // A fresh machine's package lists are often empty or stale: refresh them and try once more.
    const update = await checks.run([...plan.asRoot, 'update']);
    result = update.ok ? await checks.run([...plan.asRoot, 'install', '-y', 'chromium']) : update;
  }
  if (!result.ok || !checks.exists(DEBIAN_CHROMIUM)) {
    throw new Error(
      `Installing Chromium failed (${lastLine(result.output) || `no ${DEBIAN_CHROMIUM} afterwards`}): run \`${INSTALL_COMMAND}\`, then npm test again.`,
    );
  }
  return DEBIAN_CHROMIUM;
}

export function machineChecks(): MachineChecks {
  const succeeds = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore', timeout: 10_000 }).status === 0;
  return {
    chosenPath: process.env.CHROMIUM_PATH || undefined,
    exists: existsSync,
    hasAptGet: () => succeeds('sh', ['-c', 'command -v apt-get']),
    isRoot: () => process.getuid?.() === 0,
    sudoWithoutPassword: () => succeeds('sudo', ['-n', 'true']),
    run: (command) =>
      new Promise((resolve) => {
        const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (chunk) => (output += chunk));
        child.stderr.on('data', (chunk) => (output += chunk));
        child.once('error', (error) => resolve({ ok: false, output: `${output}\n${error.message}` }));
        child.once('close', (code) => resolve({ ok: code === 0, output }));
      }),
    say: (line) => console.warn(line),
  };
}
