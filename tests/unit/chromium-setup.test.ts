import { describe, expect, it } from 'vitest';
import { DEBIAN_CHROMIUM, INSTALL_COMMAND, ensureChromium, planChromium, type MachineChecks } from '../e2e/chromium.ts';

/** The e2e suite's browser setup: use, install or refuse, decided from injected machine checks. */
interface Machine {
  chosenPath?: string;
  installed?: boolean;
  aptGet?: boolean;
  root?: boolean;
  sudo?: boolean;
  /** Exit status of each apt-get call in turn (true: success); the install puts chromium in place. */
  apt?: boolean[];
}

function machine(m: Machine): MachineChecks & { ran: string[][]; said: string[] } {
  let installed = m.installed ?? false;
  const outcomes = [...(m.apt ?? [])];
  const ran: string[][] = [];
  const said: string[] = [];
  return {
    ran,
    said,
    chosenPath: m.chosenPath,
    exists: (path) => (path === DEBIAN_CHROMIUM ? installed : path === m.chosenPath && path.startsWith('/opt/')),
    hasAptGet: () => m.aptGet ?? true,
    isRoot: () => m.root ?? false,
    sudoWithoutPassword: () => m.sudo ?? false,
    async run(command) {
      ran.push([...command]);
      const ok = outcomes.shift() ?? false;
      if (ok && command.includes('install')) installed = true;
      return { ok, output: ok ? 'done\n' : 'E: Unable to locate package chromium\n' };
    },
    say: (line) => void said.push(line),
  };
}

const APT = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get'];

describe('Chromium for the e2e suite', () => {
  it('uses Debian chromium when it is installed, and runs nothing', async () => {
    const m = machine({ installed: true, root: true });
    expect(await ensureChromium(m)).toBe(DEBIAN_CHROMIUM);
    expect(m.ran).toEqual([]);
  });

  it('uses CHROMIUM_PATH when it exists, and refuses in one line when it does not', async () => {
    expect(await ensureChromium(machine({ chosenPath: '/opt/chrome/chrome' }))).toBe('/opt/chrome/chrome');
    const m = machine({ chosenPath: '/nowhere/chromium', root: true });
    await expect(ensureChromium(m)).rejects.toThrow(/^CHROMIUM_PATH is \/nowhere\/chromium, which does not exist/);
    expect(m.ran).toEqual([]);
  });

  it('as root, installs it with apt-get and says so', async () => {
    const m = machine({ root: true, apt: [true] });
    expect(await ensureChromium(m)).toBe(DEBIAN_CHROMIUM);
    expect(m.ran).toEqual([[...APT, 'install', '-y', 'chromium']]);
    expect(m.said).toHaveLength(1);
  });

  it('with sudo that needs no password, installs it through sudo -n', async () => {
    const m = machine({ sudo: true, apt: [true] });
    expect(await ensureChromium(m)).toBe(DEBIAN_CHROMIUM);
    expect(m.ran).toEqual([['sudo', '-n', ...APT, 'install', '-y', 'chromium']]);
  });

  it('refreshes the package lists and tries again when the first install fails', async () => {
    const m = machine({ root: true, apt: [false, true, true] });
    expect(await ensureChromium(m)).toBe(DEBIAN_CHROMIUM);
    expect(m.ran).toEqual([
      [...APT, 'install', '-y', 'chromium'],
      [...APT, 'update'],
      [...APT, 'install', '-y', 'chromium'],
    ]);
  });

  it('fails with one line saying what to run when the install fails for good', async () => {
    const m = machine({ root: true, apt: [false, true, false] });
    const error = await ensureChromium(m).catch((e: Error) => e);
    expect((error as Error).message).toBe(
      `Installing Chromium failed (E: Unable to locate package chromium): run \`${INSTALL_COMMAND}\`, then npm test again.`,
    );
  });

  it('without root or password-less sudo, installs nothing and says exactly what to run, in one line', async () => {
    const m = machine({ root: false, sudo: false });
    const error = (await ensureChromium(m).catch((e: Error) => e)) as Error;
    expect(error.message).toBe(
      `Chromium is not installed (${DEBIAN_CHROMIUM}) and installing it needs root: run \`sudo apt-get update && sudo apt-get install -y chromium\`, then npm test again.`,
    );
    expect(error.message).not.toContain('\n');
    expect(m.ran).toEqual([]);
  });

  it('on a machine without apt-get, says how to point the suite at a Chromium', () => {
    expect(planChromium(machine({ aptGet: false, root: true }))).toEqual({
      action: 'refuse',
      message: expect.stringContaining('CHROMIUM_PATH=/path/to/chromium npm test'),
    });
  });
});
