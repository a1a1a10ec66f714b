#!/usr/bin/env node
// `npm run bench` — every scenario against Parley and the reference peers, in one run.
//   --quick                 CI size (< 3 min): fewer rounds/steps; reconnect storm and offline sync
//                           against Parley only; no cluster-scale unless named with --only
//   --only a,b              scenarios to run (connect-storm, idle-density, messaging-ramp,
//                           group-fanout, chatroom-fanout, reconnect-storm, offline-sync,
//                           mass-disconnect, cluster-scale)
//   --targets parley,ws     systems to run (parley, parley-native, ws, socketio, mosquitto,
//                           rabbitmq, jetstream, parley-cluster); parley-native = Parley over native TCP clients, in
//                           connect-storm and messaging-ramp only
//   --profile SCENARIO      run Parley under `node --cpu-prof` in that scenario and list its hottest
//                           functions (profiles in bench/results/tmp/<run>/profiles)
//   --no-write              do not write bench/results/latest.* / quick.*
//   --param scenario.key=VALUE  override one scenario parameter (JSON value), e.g.
//                           --param messaging-ramp.startRate=500 --param connect-storm.clients=2000
//   --keep-data             keep Parley's data directory (SQLite file) under results/tmp/<run>/
//   --quiet-wait SECONDS    before each measurement, wait up to this long for the rest of the
//                           machine to go idle (default: 30 in a full run, 0 in a quick one)
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machineFacts } from './lib/machine.mjs';
import { summarizeThreads } from './lib/profile.mjs';
import { bars, comparisons, markdown, profileMarkdown, readmeSummary } from './lib/report.mjs';
import { rampSvg, STORAGE_NOTE } from './lib/svg.mjs';
import connectStorm from './scenarios/connect-storm.mjs';
import groupFanout from './scenarios/group-fanout.mjs';
import idleDensity from './scenarios/idle-density.mjs';
import messagingRamp from './scenarios/messaging-ramp.mjs';
import offlineSync from './scenarios/offline-sync.mjs';
import reconnectStorm from './scenarios/reconnect-storm.mjs';
import clusterScale from './scenarios/cluster-scale.mjs';
import chatroomFanout from './scenarios/chatroom-fanout.mjs';
import massDisconnect from './scenarios/mass-disconnect.mjs';
import { makeTarget, TARGET_ORDER } from './targets/index.mjs';
import { waitForQuiet } from './lib/harness.mjs';

export const SCENARIOS = [connectStorm, idleDensity, messagingRamp, groupFanout, chatroomFanout, reconnectStorm, offlineSync, massDisconnect, clusterScale];

for (const built of ['packages/server/dist/cli/main.js', 'packages/protocol/dist/index.js']) {
  if (!existsSync(new URL(`../${built}`, import.meta.url))) {
    process.stderr.write(`bench: ${built} is missing: run \`npm run build\` first\n`);
    process.exit(2);
  }
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    targets: { type: 'string' },
    profile: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    'quiet-wait': { type: 'string' },
    param: { type: 'string', multiple: true },
    'keep-data': { type: 'boolean', default: false },
  },
  strict: true,
});
const quick = values.quick;
const started = Date.now();
const runId = new Date(started).toISOString().replace(/[:.]/g, '-').slice(0, 19);
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const tmpDir = join(RESULTS, 'tmp', runId);
mkdirSync(tmpDir, { recursive: true });
const profileDir = join(tmpDir, 'profiles');

const only = values.only?.split(',').map((s) => s.trim());
const wantedTargets = values.targets?.split(',').map((s) => s.trim()) ?? TARGET_ORDER;
let scenarios = SCENARIOS.filter((s) => !only || only.includes(s.name));
// A quick run takes idle figures from the connect storm's held clients instead, and leaves the
// cluster (minutes of setup and 100k connections) to full runs or an explicit --only.
if (quick && !only) scenarios = scenarios.filter((s) => s.name !== 'idle-density' && s.name !== 'cluster-scale');
for (const name of only ?? []) if (!SCENARIOS.some((s) => s.name === name)) throw new Error(`unknown scenario ${name}`);

const log = (/** @type {string} */ line) => process.stdout.write(`${line}\n`);
// Interrupted: stop every server this run started (load workers exit with their IPC channel).
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, async () => {
    log(`\n${signal}: stopping servers`);
    await Promise.all([...targets.values()].map((t) => t.stop('SIGKILL').catch(() => {})));
    process.exit(130);
  });
}
const ctx = { quick, log, tmpDir, results: /** @type {Record<string, Record<string, any>>} */ ({}) };
const targets = new Map(TARGET_ORDER.filter((t) => wantedTargets.includes(t)).map((t) => [t, makeTarget(t, ctx)]));
const params = Object.fromEntries(scenarios.map((s) => [s.name, s.params(quick)]));
// --param scenario.key=JSON overrides one parameter, e.g. --param messaging-ramp.startRate=500
for (const setting of values.param ?? []) {
  const m = /^([\w-]+)\.(\w+)=(.*)$/.exec(setting);
  if (!m || !params[m[1]]) throw new Error(`--param ${setting}: expected scenario.key=value for a selected scenario`);
  params[m[1]][m[2]] = JSON.parse(m[3]);
}
const machine = machineFacts();

log(`Parley benchmark, ${quick ? 'quick' : 'full'} run ${runId}: ${scenarios.map((s) => s.name).join(', ')} × ${[...targets.keys()].join(', ')}`);
log(`  ${machine.cpuModel} × ${machine.cores}, ${machine.memoryGiB} GiB, Node ${machine.node}, load average ${machine.loadAverageAtStart.join(' ')}`);

// Parley users are registered up front (Server API), as many as the largest scenario needs; both
// single-node targets (WebSocket and native) share one store, so through either. The cluster starts
// over a fresh database each time and registers its own.
const parley = targets.get('parley') ?? targets.get('parley-native');
const parleyScenarios = scenarios.filter((s) => s.targets.includes(parley?.name));
if (parley && parleyScenarios.length) {
  const users = Math.max(...parleyScenarios.map((s) => s.users(params[s.name])));
  const t0 = Date.now();
  await parley.start();
  await parley.tokens(Array.from({ length: users }, (_, i) => `u${i}`));
  await parley.stop();
  log(`  registered ${users} Parley users through the Server API in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

let profile;
for (const scenario of scenarios) {
  log(`\n== ${scenario.title} ${JSON.stringify(params[scenario.name])}`);
  const results = (ctx.results[scenario.name] = {});
  const fits = quick && scenario.quickTargets ? scenario.quickTargets : scenario.targets;
  for (const [name, target] of targets) {
    if (!scenario.targets.includes(name)) continue;
    if (!fits.includes(name)) {
      results[name] = { skipped: 'quick run: Parley only' };
      continue;
    }
    log(`-- ${target.label}`);
    // Other sessions share this machine: give their bursts a chance to pass before measuring.
    const quietMs = Number(values['quiet-wait'] ?? (quick ? 0 : 30)) * 1000;
    const busy = quietMs > 0 ? await waitForQuiet(quietMs) : undefined;
    if (busy !== undefined && busy > 0.3) log(`   (the rest of the machine still uses ${busy} cores)`);
    const profiling = (name === 'parley' || name === 'parley-cluster') && values.profile === scenario.name;
    if (profiling) target.profileNextStart(profileDir);
    try {
      const t0 = Date.now();
      results[name] = { ok: true, ...(await scenario.run(target, params[scenario.name], ctx)) };
      log(`   (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      log(`   FAILED: ${/** @type {Error} */ (e).stack ?? e}`);
      results[name] = { error: String(/** @type {Error} */ (e).message ?? e) };
      await target.stop().catch(() => {});
    }
    if (profiling) {
      const files = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
      if (files.length) {
        profile = { scenario: scenario.name, threads: summarizeThreads(profileDir, files) };
        for (const thread of profile.threads) {
          log(`   profile of the ${thread.label} (${thread.totalMs} ms busy): ${thread.file}`);
          for (const f of thread.top.slice(0, 8)) log(`     ${String(f.selfPct).padStart(5)}%  ${f.name}  ${f.where}`);
        }
      }
    }
  }
}

const seconds = Math.round((Date.now() - started) / 1000);
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const meta = { date: new Date(started).toISOString(), runId, mode: quick ? 'quick' : 'full', command, seconds, machine: { ...machine, loadAverageAtEnd: (await import('node:os')).loadavg() }, params };
const run = { meta, results: ctx.results, bars: bars(ctx.results, quick), comparisons: comparisons(ctx.results), profile };
const md = markdown(run);
const ramp = ctx.results['messaging-ramp'];
const svg = ramp
  ? rampSvg(
      TARGET_ORDER.filter((t) => ramp[t]?.ok).map((t) => ({ name: t, label: targets.get(t).label, steps: ramp[t].steps })),
      `${meta.mode} run ${meta.date.slice(0, 16).replace('T', ' ')} UTC · ${machine.cores} cores · ${STORAGE_NOTE}`,
    )
  : undefined;

// Only a run of every scenario and system stands for the benchmark: a partial one (a profile, a
// check of one scenario) leaves latest.* / quick.* and the README summary as they are.
const complete = !only && !values.targets && !values.param && !values['no-write'];
const outputs = [[tmpDir, '']];
if (complete) outputs.push([RESULTS, quick ? 'quick-' : 'latest-']);
for (const [dir, prefix] of outputs) {
  const base = prefix === 'latest-' ? 'latest' : prefix === 'quick-' ? 'quick' : 'result';
  writeFileSync(join(dir, `${base}.md`), md);
  writeFileSync(join(dir, `${base}.json`), JSON.stringify(run, null, 2) + '\n');
  if (svg) writeFileSync(join(dir, prefix === 'latest-' ? 'ramp.svg' : prefix === 'quick-' ? 'quick-ramp.svg' : 'ramp.svg'), svg);
}
if (profile && !values['no-write']) writeFileSync(join(RESULTS, 'profile.md'), profileMarkdown(run));
// A complete full run replaces the summary in bench/README.md.
if (complete && !quick) {
  const readme = fileURLToPath(new URL('./README.md', import.meta.url));
  const text = readFileSync(readme, 'utf8');
  const start = text.indexOf('<!-- summary -->');
  if (start >= 0) {
    const end = text.indexOf('<!-- /summary -->');
    const tail = end >= 0 ? text.slice(end) : '<!-- /summary -->\n';
    writeFileSync(readme, `${text.slice(0, start)}<!-- summary -->\n${readmeSummary(run)}${tail}`);
  }
}
// Parley's SQLite file grows to hundreds of MB in a full run: scratch, unless asked to keep it.
if (!values['keep-data']) rmSync(join(tmpDir, 'parley-data'), { recursive: true, force: true });
log(`\n${md}`);
log(`Wrote ${complete ? `${RESULTS}${quick ? 'quick' : 'latest'}.{md,json} and ${tmpDir}` : tmpDir} in ${(seconds / 60).toFixed(1)} min.`);
process.exit(0);
