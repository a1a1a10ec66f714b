#!/usr/bin/env node
// Re-renders a run's Markdown (and, for a full run, the README summary) from its JSON, after a
// change to lib/report.mjs: `node bench/rerender.mjs [bench/results/latest.json]`.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bars, comparisons, LABEL, markdown, readmeSummary } from './lib/report.mjs';
import { rampSvg, STORAGE_NOTE } from './lib/svg.mjs';
import { TARGET_ORDER } from './targets/index.mjs';

const file = process.argv[2] ?? fileURLToPath(new URL('./results/latest.json', import.meta.url));
const run = JSON.parse(readFileSync(file, 'utf8'));
run.bars = bars(run.results, run.meta.mode === 'quick');
run.comparisons = comparisons(run.results);
writeFileSync(file, JSON.stringify(run, null, 2) + '\n');
writeFileSync(file.replace(/\.json$/, '.md'), markdown(run));
const ramp = run.results['messaging-ramp'];
if (ramp) {
  const series = TARGET_ORDER.filter((t) => ramp[t]?.ok).map((t) => ({ name: t, label: LABEL[t], steps: ramp[t].steps }));
  const svgFile = file.replace(/latest\.json$/, 'ramp.svg').replace(/quick\.json$/, 'quick-ramp.svg').replace(/result\.json$/, 'ramp.svg');
  writeFileSync(svgFile, rampSvg(series, `${run.meta.mode} run ${run.meta.date.slice(0, 16).replace('T', ' ')} UTC · ${run.meta.machine.cores} cores · ${STORAGE_NOTE}`));
}
if (run.meta.mode === 'full' && /latest\.json$/.test(file)) {
  const readme = fileURLToPath(new URL('./README.md', import.meta.url));
  const text = readFileSync(readme, 'utf8');
  const start = text.indexOf('<!-- summary -->');
  const end = text.indexOf('<!-- /summary -->');
  if (start >= 0 && end > start) writeFileSync(readme, `${text.slice(0, start)}<!-- summary -->\n${readmeSummary(run)}${text.slice(end)}`);
}
process.stdout.write(`re-rendered ${file.replace(/\.json$/, '.md')}\n`);
