import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PARLEY_BIN } from './test-server.js';

const run = promisify(execFile);

/** The built CLI run to its end, with none of the machine's PARLEY_ variables but `env`'s. */
export async function runParley(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PARLEY_')));
  try {
    const { stdout, stderr } = await run(process.execPath, [PARLEY_BIN, ...args], { env: { ...clean, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
