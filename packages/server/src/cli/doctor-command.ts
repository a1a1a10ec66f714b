import { configFlag, settingFlags, type Command } from './command.js';
import { loadConfig } from './config-file.js';
import { runDoctor, type Finding } from './doctor.js';
import { UsageError, stdoutOutput } from './output.js';

export const doctor: Command = {
  name: 'doctor',
  summary: 'checks a data directory or database (migrations, file modes, free disk) and Redis (reachability, clocks of the nodes) and says what to fix',
  details: [
    'Give it the settings the server runs with (the same flags, environment or --config file). It only reads: nothing is created, migrated or changed.',
    'With --redis-url it watches the nodes\' announcements for about 3 s and compares their clocks with this machine\'s.',
    'Exit code 0 when every check passes, 1 when something needs fixing.',
  ].join('\n'),
  flags: [configFlag, ...settingFlags('dataDir', 'databaseUrl', 'redisUrl')],
  run: async ({ values, positionals }) => {
    if (positionals.length > 0) throw new UsageError(`parley doctor takes no arguments, only options: ${positionals.join(' ')}`);
    const config = loadConfig(values);
    const findings = await runDoctor(config);
    stdoutOutput.line(formatFindings(findings));
    return findings.every((f) => f.ok) ? 0 : 1;
  },
};

/** One line per finding, with the fix under each problem, and a count at the end. */
export function formatFindings(findings: readonly Finding[]): string {
  const width = Math.max(...findings.map((f) => f.check.length));
  const lines = findings.flatMap((f) => [
    `${f.ok ? 'ok  ' : 'FAIL'}  ${f.check.padEnd(width)}  ${f.detail}`,
    ...(f.fix ? [`      ${' '.repeat(width)}  fix: ${f.fix}`] : []),
  ]);
  const problems = findings.filter((f) => !f.ok).length;
  lines.push('', problems === 0 ? 'No problems found.' : `${problems} problem${problems === 1 ? '' : 's'} found.`);
  return lines.join('\n');
}
