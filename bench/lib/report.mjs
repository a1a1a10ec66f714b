// Turns a run's results into the Markdown table (with ratios to each peer), the bar checks and the
// worst ratio. "Parley's edge" = how many times better Parley is than the peer on that figure
// (> 1: Parley better, < 1: worse), whichever way the figure points (rates up, memory/latency down).
import { storeNote } from '../targets/jetstream.mjs';

const PEERS = ['ws', 'socketio', 'mosquitto', 'rabbitmq', 'jetstream'];
// Peers whose connect and idle connection are not Parley's work (no token check; a broker's own
// runtime), left out of the worst-ratio line for those figures.
const UNLIKE_CONNECT = ['mosquitto', 'rabbitmq', 'jetstream'];
// Parley over native TCP sits beside Parley over WebSocket in the tables: it is compared with that,
// not with the peers (the bars and edges stay Parley's WebSocket figures).
const PARLEY = ['parley', 'parley-native'];
export const LABEL = /** @type {Record<string, string>} */ ({ parley: 'Parley', 'parley-native': 'Parley (native TCP)', ws: 'raw ws', socketio: 'Socket.IO', mosquitto: 'Mosquitto', rabbitmq: 'RabbitMQ', jetstream: 'NATS JetStream', 'parley-cluster': 'Parley cluster' });
/** What each durable peer does per message, as the tables' notes say it. @param {any} versions */
const durableNote = (versions) => ({ rabbitmq: 'persistent, publisher confirms, durable queue per user', jetstream: storeNote(versions?.['nats-server']) });

/** @param {number | null | undefined} parley @param {number | null | undefined} peer @param {boolean} higherIsBetter */
export function edge(parley, peer, higherIsBetter) {
  if (parley === null || parley === undefined || peer === null || peer === undefined || parley <= 0 || peer <= 0) return null;
  return Math.round((higherIsBetter ? parley / peer : peer / parley) * 100) / 100;
}

const n = (/** @type {any} */ v, digits = 0) => (v === null || v === undefined || Number.isNaN(v) ? '–' : Number(v).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 }));
const x = (/** @type {number | null} */ e) => (e === null ? '–' : `×${e.toFixed(2)}${e < 1 ? ' ⚠' : ''}`);
const cpuCell = (/** @type {any} */ c) => (c ? `${c.serverCores} / ${c.otherCores}` : '–');

const NATIVE_NOTE =
  "**Parley (native TCP)**: the same server and the same client logic, with RMTP framed as RongCloud's native stack frames it (check byte, XOR, MD5 signatures) over plain TCP on `--native-port`, instead of WebSocket messages.";

/** One ramp step's cells (messaging ramp and cluster-scale), after the first column. */
const STEP_HEAD = 'step | offered/s | delivered/s | p50 ms | p99 ms | shed | undelivered | server CPU µs/msg | event-loop delay p99 / max ms | CPU server / other';
const STEP_ALIGN = '---|---:|---:|---:|---:|---:|---:|---:|---:|---:';
const stepCells = (/** @type {any} */ s) =>
  `${s.label} | ${n(s.offeredRate)} | ${n(s.deliveredRate)} | ${n(s.latency.p50, 1)} | ${n(s.latency.p99, 1)} | ${n(s.shed)} | ${n(s.undelivered)} | ${n(s.serverCpuUsPerMessage)} | ${s.eventLoopDelay ? `${n(s.eventLoopDelay.p99, 1)} / ${n(s.eventLoopDelay.max, 1)}` : '–'} | ${cpuCell(s.cpu)}`;

/** The cluster's connections-held part, when it ran. @param {any} results */
const clusterHold = (results) => {
  const h = results['cluster-scale']?.['parley-cluster']?.connections;
  return h?.stages?.length ? h : undefined;
};

/**
 * Every Parley-vs-peer figure of the run. `like` is false where the peer does not do the same work
 * (the brokers check no token: Mosquitto and JetStream none, RabbitMQ a guest login; their connects
 * also declare durable queues or consumers; their runtimes are not Node's).
 * @param {any} results @returns {{figure: string, peer: string, edge: number, parley: number, peerValue: number, scenario: string, like: boolean}[]}
 */
export function comparisons(results) {
  const out = [];
  const add = (/** @type {string} */ scenario, /** @type {string} */ figure, /** @type {(r: any) => number | null | undefined} */ get, /** @type {boolean} */ higher, unlike = /** @type {string[]} */ ([])) => {
    const p = results[scenario]?.parley;
    if (!p?.ok) return;
    for (const peer of PEERS) {
      const r = results[scenario]?.[peer];
      if (!r?.ok) continue;
      const e = edge(get(p), get(r), higher);
      if (e !== null) out.push({ scenario, figure, peer, edge: e, parley: /** @type {number} */ (get(p)), peerValue: /** @type {number} */ (get(r)), like: !unlike.includes(peer) });
    }
  };
  add('connect-storm', 'connects/s', (r) => r.perSecond, true, UNLIKE_CONNECT);
  add('connect-storm', 'connect p99 ms', (r) => r.latency?.p99, false, UNLIKE_CONNECT);
  const idle = results['idle-density'] ? 'idle-density' : 'connect-storm';
  add(idle, 'RSS per idle connection', (r) => (idle === 'idle-density' ? r.rssPerConnKiB : r.idle?.rssPerConnKiB), false, UNLIKE_CONNECT);
  add('messaging-ramp', 'max delivered 1:1 msgs/s', (r) => r.maxRate, true);
  // p99 at the same offered rate (a step every system ran unsaturated), not at each one's own half.
  add('messaging-ramp', 'p99 at 1,500 msgs/s offered', (r) => r.steps?.find((/** @type {any} */ q) => q.offeredRate === 1500)?.latency?.p99, false);
  for (const size of [10, 100, 1000]) {
    add('group-fanout', `group of ${size}: deliveries/s`, (r) => r.bySize?.find((b) => b.size === size)?.deliveriesPerSecond, true);
  }
  add('offline-sync', 'offline sync time', (r) => (r.delivered >= r.queued ? r.seconds : null), false);
  return out;
}

/** The bars (docs/contract.md), checked against this run. @param {any} results @param {boolean} quick */
export function bars(results, quick) {
  /** @type {{bar: string, measured: string, met: boolean | null, by?: string}[]} */
  const out = [];
  const cs = results['connect-storm'];
  if (cs?.parley?.ok) {
    const p = cs.parley.perSecond;
    if (cs.socketio?.ok) out.push(check('Connect storm ≥ Socket.IO', p, cs.socketio.perSecond, 1, `${n(p)}/s vs ${n(cs.socketio.perSecond)}/s`));
    if (cs.ws?.ok) out.push(check('Connect storm ≥ 70% of raw ws', p, cs.ws.perSecond, 0.7, `${n(p)}/s vs ${n(cs.ws.perSecond)}/s (${pct(p / cs.ws.perSecond)})`));
  }
  const ramp = results['messaging-ramp'];
  if (ramp?.parley?.ok) {
    const p = ramp.parley.maxRate;
    if (ramp.socketio?.ok) {
      out.push(check('Durable 1:1 msgs/s ≥ Socket.IO (in memory)', p, ramp.socketio.maxRate, 1, `${n(p)}/s vs ${n(ramp.socketio.maxRate)}/s`));
      const halfStep = ramp.parley.halfSocketIo ?? ramp.parley.half;
      const p99 = halfStep?.latency?.p99;
      const own = ramp.parley.half;
      out.push({
        bar: "p99 < 50 ms at half that rate (half of Socket.IO's)",
        measured: `p99 ${n(p99, 1)} ms at ${n(halfStep?.offeredRate)}/s offered${own && own !== halfStep ? `; at half of Parley's own max (${n(own.offeredRate)}/s): p99 ${n(own.latency.p99, 1)} ms` : ''}`,
        met: p99 === null || p99 === undefined ? null : p99 < 50,
        by: p99 >= 50 ? `${n(p99 - 50, 1)} ms over` : undefined,
      });
    }
    if (ramp.mosquitto?.ok) out.push(check('Next mark: ≥ Mosquitto QoS 1', p, ramp.mosquitto.maxRate, 1, `${n(p)}/s vs ${n(ramp.mosquitto.maxRate)}/s`));
    for (const [peer, label] of /** @type {const} */ ([['rabbitmq', 'RabbitMQ (persistent, confirms)'], ['jetstream', 'NATS JetStream (file storage)']])) {
      const other = ramp[peer];
      if (!other?.ok) continue;
      const cpu = `; server CPU at max ${n(ramp.parley.serverCpuUsPerMessage)} vs ${n(other.serverCpuUsPerMessage)} µs/msg`;
      out.push(check(`Durable 1:1 msgs/s ≥ ${label}`, p, other.maxRate, 1, `${n(p)}/s vs ${n(other.maxRate)}/s${cpu}`));
    }
    const worst = worstCpuRatio(ramp.parley.steps, ramp.mosquitto?.steps);
    if (worst) {
      out.push({
        bar: 'Server CPU per message ≤ 2× Mosquitto at every offered rate',
        measured: `worst ×${n(worst.ratio, 1)} at ${n(worst.offeredRate)}/s offered (${n(worst.parley)} vs ${n(worst.mosquitto)} µs/msg)`,
        met: worst.ratio <= 2,
        by: worst.ratio > 2 ? `×${n(worst.ratio / 2, 1)} over` : undefined,
      });
    }
  }
  if (cs?.parley?.ok && cs.ws?.ok) {
    const ratio = cs.parley.serverCpuUsPerConnect / cs.ws.serverCpuUsPerConnect;
    out.push({
      bar: 'Server CPU per connect ≤ 2× raw ws',
      measured: `${n(cs.parley.serverCpuUsPerConnect)} vs ${n(cs.ws.serverCpuUsPerConnect)} µs (×${n(ratio, 1)})`,
      met: ratio <= 2,
      by: ratio > 2 ? `×${n(ratio / 2, 1)} over` : undefined,
    });
  }
  const fanout = results['group-fanout'];
  if (fanout?.parley?.ok && fanout.socketio?.ok) {
    for (const mine of fanout.parley.bySize) {
      const theirs = fanout.socketio.bySize.find((/** @type {any} */ s) => s.size === mine.size);
      if (theirs) out.push(check(`Group fan-out (${n(mine.size)}) deliveries/s ≥ Socket.IO`, mine.deliveriesPerSecond, theirs.deliveriesPerSecond, 1, `${n(mine.deliveriesPerSecond)}/s vs ${n(theirs.deliveriesPerSecond)}/s`));
    }
  }
  const idle = results['idle-density']?.parley?.ok ? results['idle-density'].parley : results['connect-storm']?.parley?.idle;
  if (idle) {
    const kib = idle.rssPerConnKiB;
    const heap = idle.heapPerConnKiB;
    out.push({
      bar: '≤ 10 KiB server memory per idle authenticated connection',
      measured: `${n(kib, 2)} KiB RSS (${n(heap, 2)} KiB heap) at ${n(idle.held ?? idle.connections)} connections`,
      met: kib === null ? null : kib <= 10,
      by: kib > 10 ? `${n(kib - 10, 2)} KiB over` : undefined,
    });
  }
  const hold = clusterHold(results);
  if (hold) {
    const last = hold.stages.at(-1);
    // A quick run or a --param override attempts fewer: then the bar is not checked.
    const full = last.attempted >= 100_000;
    out.push({
      bar: '100,000 concurrent connections on this machine',
      measured: `${n(last.held)} held by ${hold.nodes} cluster nodes (${last.perNode.map((/** @type {number} */ c) => n(c)).join(' · ')}; each process < 20,000 open files), connected in ${n(hold.connectSeconds, 1)} s; server RSS ${n(last.rssTotal / 2 ** 20)} MiB, ${n(last.rssPerConnKiB, 2)} KiB per connection`,
      met: full ? last.held >= 100_000 : null,
      by: !full ? `only ${n(last.attempted)} attempted` : last.held < 100_000 ? `${n(100_000 - last.held)} short` : undefined,
    });
  } else if (results['idle-density']?.parley?.ok || results['connect-storm']?.parley?.ok) {
    const held = results['idle-density']?.parley?.held ?? results['connect-storm']?.parley?.idle?.connections;
    out.push({
      bar: '100,000 concurrent connections on this machine',
      measured: `${n(held)} held by one process (limit: 20,000 open files per process); 100k needs cluster mode`,
      met: null,
      by: 'not measured here: needs cluster mode',
    });
  }
  const rs = results['reconnect-storm']?.parley;
  if (rs?.ok) {
    out.push({
      bar: 'Reconnect storm: 20,000 clients back < 30 s',
      measured: `${n(rs.back)}/${n(rs.clients)} back after ${n(rs.backSeconds, 2)} s${rs.clients < 20_000 ? ` (${n(rs.clients)} clients: ${quick ? 'quick run' : 'one process holds < 20,000 sockets'})` : ''}`,
      met: rs.backSeconds === null ? false : rs.backSeconds < 30,
      by: rs.backSeconds >= 30 ? `${n(rs.backSeconds - 30, 1)} s over` : undefined,
    });
    out.push({ bar: 'Reconnect storm: no message lost', measured: `${n(rs.lost)} lost of ${n(rs.acked)} acked`, met: rs.lost === 0 });
  }
  for (const t of /** @type {const} */ (['parley', 'parley-native'])) {
    const md = results['mass-disconnect']?.[t];
    if (!md?.ok) continue;
    const stall = md.maxEventLoopDelayMs;
    const raw = results['mass-disconnect']?.ws;
    out.push({
      bar: `Mass disconnect${t === 'parley-native' ? ' (native TCP)' : ''}: event loop never stalls > 50 ms`,
      measured: `longest stall ${n(stall, 1)} ms over ${md.rounds.length} × ${n(md.clients)} dropped at once (longest busy stretch ${n(md.maxBusyCpuMs, 1)} CPU ms${md.coresApart ? '; server on a core of its own' : '; server sharing cores with the load generators'})${raw?.ok ? `; raw ws ${n(raw.maxEventLoopDelayMs, 1)} ms` : ''}`,
      met: stall <= 50,
      by: stall > 50 ? `${n(stall - 50, 1)} ms over` : undefined,
    });
  }
  const os = results['offline-sync']?.parley;
  if (os?.ok) {
    out.push({
      bar: 'Offline sync of 10,000 < 2 s',
      measured: `${n(os.delivered)}/${n(os.queued)} in ${n(os.seconds, 3)} s`,
      met: os.delivered >= 10_000 && os.seconds < 2,
      by: os.seconds >= 2 ? `${n(os.seconds - 2, 2)} s over` : undefined,
    });
  }
  return out;
}

/**
 * The offered rate at which Parley's server CPU per message is the largest multiple of Mosquitto's,
 * over the ramp steps both ran (their ramps offer the same rates).
 * @param {any[] | undefined} parley @param {any[] | undefined} mosquitto
 */
function worstCpuRatio(parley, mosquitto) {
  /** @type {{ratio: number, offeredRate: number, parley: number, mosquitto: number} | undefined} */
  let worst;
  for (const step of (parley ?? []).filter((s) => s.label === 'ramp')) {
    const theirs = (mosquitto ?? []).find((s) => s.label === 'ramp' && s.offeredRate === step.offeredRate);
    if (!theirs?.serverCpuUsPerMessage || !step.serverCpuUsPerMessage) continue;
    const ratio = step.serverCpuUsPerMessage / theirs.serverCpuUsPerMessage;
    if (!worst || ratio > worst.ratio) worst = { ratio, offeredRate: step.offeredRate, parley: step.serverCpuUsPerMessage, mosquitto: theirs.serverCpuUsPerMessage };
  }
  return worst;
}

function check(/** @type {string} */ bar, /** @type {number} */ value, /** @type {number} */ reference, /** @type {number} */ factor, /** @type {string} */ measured) {
  const need = reference * factor;
  const met = value >= need;
  return { bar, measured, met, by: met ? undefined : `short by ${pct(1 - value / need)} (${n(need - value)}/s)` };
}

function pct(/** @type {number} */ v) {
  return `${Math.round(v * 1000) / 10}%`;
}

/**
 * @param {{meta: any, results: any, bars: any[], comparisons: any[], profile?: any}} run
 */
export function markdown(run) {
  const { meta, results } = run;
  const m = meta.machine;
  const L = [];
  L.push(`# Parley benchmark — ${meta.mode} run, ${meta.date}`);
  L.push('');
  L.push(`Command: \`${meta.command}\` · took ${n(meta.seconds / 60, 1)} min · Parley ${m.parleyCommit ?? '?'} (single node, SQLite)`);
  L.push('');
  L.push(`Machine: ${m.cpuModel} × ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; ${m.openFilesPerProcess?.hard ?? '?'} open files per process; load average at start ${m.loadAverageAtStart.join(' / ')}.`);
  L.push(`Peers: ws ${m.versions.ws}, socket.io ${m.versions['socket.io']}, mqtt.js ${m.versions.mqtt}, ${m.versions.mosquitto ?? 'mosquitto ?'}, amqplib ${m.versions.amqplib ?? '?'} with RabbitMQ ${m.versions.rabbitmq ?? '?'}, nats.js ${m.versions.nats ?? '?'} with nats-server ${m.versions['nats-server'] ?? '?'}.`);
  L.push('');
  L.push('Everything runs on this one machine: servers and load generators share its cores. **CPU** columns show the cores used by the server / by every other process on the machine that is not part of this run (the machine is shared; a high figure there means a noisy measurement). **Edge** = how many times better Parley is than that peer (> 1 better, < 1 worse ⚠).');
  L.push('');

  L.push('## Bars');
  L.push('');
  L.push('| Bar | Measured | Met |');
  L.push('|---|---|---|');
  for (const b of run.bars) L.push(`| ${b.bar} | ${b.measured} | ${b.met === null ? '—' : b.met ? '✅ yes' : `❌ no${b.by ? `: ${b.by}` : ''}`} |`);
  L.push('');
  const isLatency = (/** @type {any} */ c) => /p99/.test(c.figure);
  const worst = [...run.comparisons].filter((c) => c.like && !isLatency(c)).sort((a, b) => a.edge - b.edge)[0];
  const worstLatency = [...run.comparisons].filter((c) => c.like && isLatency(c)).sort((a, b) => a.edge - b.edge)[0];
  if (worst) L.push(`- Worst ratio in this run (rates and memory, peers doing the same work): **${worst.figure}** (${worst.scenario}), Parley ${n(worst.parley, 2)} vs ${LABEL[worst.peer]} ${n(worst.peerValue, 2)}: edge ${x(worst.edge)}.`);
  if (worstLatency) L.push(`- Worst latency ratio: **${worstLatency.figure}** (${worstLatency.scenario}), Parley ${n(worstLatency.parley, 2)} ms vs ${LABEL[worstLatency.peer]} ${n(worstLatency.peerValue, 2)} ms: edge ${x(worstLatency.edge)}.`);
  L.push('');

  const errors = (/** @type {string} */ sc) => {
    for (const [t, r] of Object.entries(results[sc] ?? {})) {
      const rr = /** @type {any} */ (r);
      if (rr.error) L.push(`- ${LABEL[t]}: failed: ${rr.error.split('\n')[0]}`);
      if (rr.skipped) L.push(`- ${LABEL[t]}: not run: ${rr.skipped}`);
    }
  };
  const rowsOf = (/** @type {string} */ sc) => [...PARLEY, ...PEERS].filter((t) => results[sc]?.[t]?.ok).map((t) => [t, results[sc][t]]);
  const edgeCells = (/** @type {string} */ sc, /** @type {string} */ t, /** @type {(r: any) => any} */ get, /** @type {boolean} */ higher) => {
    if (PARLEY.includes(t)) return '';
    return x(edge(get(results[sc]?.parley?.ok ? results[sc].parley : {}), get(results[sc][t]), higher));
  };
  /** The native row's note: how many times better native TCP did than WebSocket on that figure. */
  const vsWebSocket = (/** @type {string} */ sc, /** @type {(r: any) => any} */ get, /** @type {boolean} */ higher) => {
    const ratio = edge(get(results[sc]['parley-native']), results[sc]?.parley?.ok ? get(results[sc].parley) : null, higher);
    return ratio === null ? '' : `; ×${ratio.toFixed(2)} vs WebSocket`;
  };

  if (results['connect-storm']) {
    const p = meta.params['connect-storm'];
    L.push(`## Connect storm — ${n(p.clients)} clients, ${p.workers * p.concurrency} handshakes in flight${p.rounds > 1 ? `, median of ${p.rounds} rounds` : ''}`);
    L.push('');
    L.push('Timed from socket creation to the authenticated answer (token verified, session registered).');
    if (results['connect-storm']['parley-native']) L.push('', NATIVE_NOTE);
    L.push('');
    L.push('| System | connects/s | p50 ms | p99 ms | failed | Edge (connects/s) | server CPU µs/connect | CPU server / other | note |');
    L.push('|---|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const [t, r] of rowsOf('connect-storm')) {
      L.push(`| ${LABEL[t]} | ${n(r.perSecond)} | ${n(r.latency.p50, 1)} | ${n(r.latency.p99, 1)} | ${n(r.failed)} | ${edgeCells('connect-storm', t, (q) => q?.perSecond, true)} | ${n(r.serverCpuUsPerConnect)} | ${cpuCell(r.cpu)} | ${t === 'mosquitto' ? 'no token check (MQTT CONNECT + SUBSCRIBE)' : t === 'rabbitmq' ? 'guest login, confirm channel, durable queue declared, consumer' : t === 'jetstream' ? 'no auth; CONNECT, durable push consumer created (or bound)' : t === 'parley' ? 'CONNECT frame → CONNACK' : t === 'parley-native' ? `native CONNECT over TCP → CONNACK${vsWebSocket('connect-storm', (q) => q.perSecond, true)}` : 'same HMAC token check'} |`);
    }
    errors('connect-storm');
    L.push('');
  }

  L.push('## Idle density');
  L.push('');
  L.push('Server memory per idle authenticated connection: (after − before) ÷ connections added, RSS from /proc and V8 heap after a forced full GC in the server process.');
  L.push('');
  L.push('| System | connections held | RSS KiB/conn | heap KiB/conn | Edge (RSS) | server fds | note |');
  L.push('|---|---:|---:|---:|---:|---:|---|');
  const idleSc = results['idle-density'] ? 'idle-density' : 'connect-storm';
  const idleOf = (/** @type {any} */ r) => (idleSc === 'idle-density' ? r : r?.idle);
  for (const [t, r] of rowsOf(idleSc)) {
    const i = idleOf(r);
    L.push(`| ${LABEL[t]} | ${n(i.held ?? i.connections)} | ${n(i.rssPerConnKiB, 2)} | ${n(i.heapPerConnKiB, 2)} | ${edgeCells(idleSc, t, (q) => idleOf(q)?.rssPerConnKiB, false)} | ${n(i.fdsAfter)} | ${t === 'mosquitto' ? "C broker, RSS only; the machine's long-running shared broker keeps memory from earlier use, so its figure is not comparable" : t === 'rabbitmq' ? "Erlang VM, RSS only; with each user's durable queue; at most 17,910 sockets with 20,000 open files" : t === 'jetstream' ? "Go, RSS only; with each user's durable consumer" : t === 'parley-native' ? 'native TCP connections' : ''} |`);
  }
  const hold = clusterHold(results);
  if (hold) {
    for (const st of hold.stages) {
      L.push(`| Parley cluster, ${hold.nodes} nodes | ${n(st.held)} | ${n(st.rssPerConnKiB, 2)} | ${n(st.heapPerConnKiB, 2)} | – | ${n(st.fdsAfter)} (fullest node) | PostgreSQL + Redis; summed over the nodes, growth since ${n(hold.warmup)} warm-up connections (cluster-scale) |`);
    }
  } else {
    L.push(`| 20,000 | — | — | — | — | — | needs more than one process's 20,000 open files: cluster mode |`);
    L.push(`| 50,000 | — | — | — | — | — | needs cluster mode |`);
    L.push(`| 100,000 (bar) | — | — | — | — | — | needs cluster mode (several gateway processes) |`);
  }
  if (idleSc === 'connect-storm' && rowsOf(idleSc).length) L.push('', '_Quick run: measured with the connect storm\'s clients held idle; the full run measures at 19,500._');
  errors(idleSc);
  L.push('');

  if (results['messaging-ramp']) {
    const p = meta.params['messaging-ramp'];
    L.push(`## 1:1 messaging ramp — ${p.pairs} sender→recipient pairs, steps of ${p.stepMs / 1000} s`);
    L.push('');
    L.push('**Parley stores every message durably (SQLite WAL, synchronous=FULL) before it acks; the ws and Socket.IO relays store nothing; Mosquitto QoS 1 keeps messages in memory (periodic persistence); RabbitMQ and NATS JetStream store them (notes below) before the publisher\'s ack.** Latency is end to end: send → message in the recipient\'s hands (Parley: s_ntf, then the pullMsg answer). Delivered = arrivals per second within the step (after its warm-up). Chart: `ramp.svg`.');
    if (results['messaging-ramp']['parley-native']) L.push('', NATIVE_NOTE);
    L.push('');
    L.push('| System | max delivered msgs/s | Edge | at half of max: p50 / p99 ms | server CPU µs/msg at max | note |');
    L.push('|---|---:|---:|---:|---:|---|');
    for (const [t, r] of rowsOf('messaging-ramp')) {
      L.push(`| ${LABEL[t]} | ${n(r.maxRate)} | ${edgeCells('messaging-ramp', t, (q) => q?.maxRate, true)} | ${n(r.half?.latency.p50, 1)} / ${n(r.half?.latency.p99, 1)} | ${n(r.serverCpuUsPerMessage)} | ${t === 'parley' ? 'durable before ack' : t === 'parley-native' ? `durable before ack, native TCP${vsWebSocket('messaging-ramp', (q) => q.maxRate, true)}` : t === 'mosquitto' ? 'QoS 1, in memory' : durableNote(meta.machine.versions)[/** @type {'rabbitmq'} */ (t)] ?? 'in memory, no storage'} |`);
    }
    const bar = results['messaging-ramp'].parley?.halfSocketIo;
    if (bar) L.push('', `Parley at half of Socket.IO's max (${n(bar.offeredRate)}/s offered): ${n(bar.deliveredRate)}/s delivered, p50 ${n(bar.latency.p50, 1)} ms, p99 ${n(bar.latency.p99, 1)} ms.`);
    L.push('');
    L.push('<details><summary>Every step</summary>');
    L.push('');
    L.push(`| System | ${STEP_HEAD} |`);
    L.push(`|---|${STEP_ALIGN}|`);
    for (const [t, r] of rowsOf('messaging-ramp')) {
      for (const s of [...r.steps, r.half, r.halfSocketIo].filter(Boolean)) L.push(`| ${LABEL[t]} | ${stepCells(s)} |`);
    }
    L.push('');
    L.push('</details>');
    errors('messaging-ramp');
    L.push('');
  }

  if (results['group-fanout']) {
    const p = meta.params['group-fanout'];
    L.push(`## Group fan-out — about ${n(p.members)} members connected per size, one sender per group, window ${p.window}`);
    L.push('');
    if (results['group-fanout'].rabbitmq || results['group-fanout'].jetstream) {
      L.push("RabbitMQ: a durable fanout exchange per group bound to each member's durable queue (a persistent copy in every queue, confirmed to the sender once stored). NATS JetStream: the message stored once in the stream, one durable push consumer per member on the group's subject.");
      L.push('');
    }
    L.push('| Group size | System | groups × msgs | deliveries/s | p50 ms | p99 ms | lost | Edge (deliveries/s) | server CPU µs/delivery | event-loop delay p99 / max ms | CPU server / other |');
    L.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const size of p.sizes) {
      for (const [t, r] of rowsOf('group-fanout')) {
        const b = r.bySize.find((/** @type {any} */ q) => q.size === size);
        if (!b) continue;
        L.push(`| ${n(size)} | ${LABEL[t]} | ${b.groups} × ${n(b.messages / b.groups)} | ${n(b.deliveriesPerSecond)} | ${n(b.latency.p50, 1)} | ${n(b.latency.p99, 1)} | ${n(b.lost)} | ${edgeCells('group-fanout', t, (q) => q?.bySize?.find((/** @type {any} */ z) => z.size === size)?.deliveriesPerSecond, true)} | ${n(b.serverCpuUsPerDelivery)} | ${b.eventLoopDelay ? `${n(b.eventLoopDelay.p99, 1)} / ${n(b.eventLoopDelay.max, 1)}` : '–'} | ${cpuCell(b.cpu)} |`);
      }
    }
    errors('group-fanout');
    L.push('');
  }

  if (results['chatroom-fanout']) {
    const p = meta.params['chatroom-fanout'];
    L.push(`## Chatroom fan-out — one room of ${n(p.members)} members, ${p.senders} senders, ${p.stepMs / 1000} s a step (Parley only)`);
    L.push('');
    L.push('| System | nodes | joins/s | offered msgs/s | msgs | deliveries/s | p50 ms | p99 ms | lost | server CPU µs/delivery | event-loop delay p99 / max ms | CPU server / other |');
    L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const t of ['parley', 'parley-cluster']) {
      const r = results['chatroom-fanout'][t];
      if (!r?.ok) continue;
      for (const s of r.steps) {
        L.push(`| ${LABEL[t]} | ${r.nodes} | ${n(r.joinsPerSecond)} | ${n(s.offeredRate)} | ${n(s.messages)} | ${n(s.deliveriesPerSecond)} | ${n(s.latency.p50, 1)} | ${n(s.latency.p99, 1)} | ${n(s.lost)} | ${n(s.serverCpuUsPerDelivery)} | ${s.eventLoopDelay ? `${n(s.eventLoopDelay.p99, 1)} / ${n(s.eventLoopDelay.max, 1)}` : '–'} | ${cpuCell(s.cpu)} |`);
      }
    }
    errors('chatroom-fanout');
    L.push('');
  }

  if (results['reconnect-storm']) {
    const p = meta.params['reconnect-storm'];
    L.push(`## Reconnect storm — ${n(p.clients)} clients, server killed (SIGKILL) and restarted, ${p.rate} msgs/s flowing`);
    L.push('');
    L.push('| System | clients | all back after (s) | process up after (s) | acked | lost | duplicates | attempts | note |');
    L.push('|---|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const [t, r] of rowsOf('reconnect-storm')) {
      L.push(`| ${LABEL[t]} | ${n(r.clients)} | ${n(r.backSeconds, 2)} | ${n(r.restartSeconds, 2)} | ${n(r.acked)} | ${n(r.lost)} | ${n(r.duplicates)} | ${n(r.attempts)} | ${t === 'parley' ? 'lost = acked (stored) but never pulled' : 'relay: acked = forwarded to an online socket'} |`);
    }
    if (!results['reconnect-storm'].mosquitto) L.push('', 'Mosquitto: not run (the machine\'s shared broker is not restarted by the benchmark).');
    errors('reconnect-storm');
    L.push('');
  }

  if (results['offline-sync']) {
    L.push('## Offline sync — 10,000 messages queued for one offline user');
    L.push('');
    L.push('| System | queued | delivered | sync time (s) | connect ms | queueing took (s) | note |');
    L.push('|---|---:|---:|---:|---:|---:|---|');
    for (const [t, r] of rowsOf('offline-sync')) {
      L.push(`| ${LABEL[t]} | ${n(r.queued)} | ${n(r.delivered)} | ${n(r.seconds, 3)} | ${n(r.connectMs, 1)} | ${n(r.queueSeconds, 2)} | ${t === 'parley' ? 'pullMsg pages of 200 from the kept cursor' : t === 'rabbitmq' ? 'durable queue, prefetch 100, each acked' : t === 'jetstream' ? 'durable push consumer resumes, each acked' : 'persistent session, default max_queued_messages'} |`);
    }
    L.push('', 'The relays store nothing: no offline sync to compare.');
    errors('offline-sync');
    L.push('');
  }

  if (results['mass-disconnect']) {
    const p = meta.params['mass-disconnect'];
    L.push(`## Mass disconnect — ${n(p.clients)} authenticated connections dropped at once`);
    L.push('');
    L.push('| System | round | dropped | all forgotten after (ms) | event-loop delay max / p99 ms | longest busy stretch (CPU ms) | CPU server / other |');
    L.push('|---|---:|---:|---:|---:|---:|---:|');
    for (const [t, r] of rowsOf('mass-disconnect')) {
      r.rounds.forEach((/** @type {any} */ q, /** @type {number} */ i) => {
        L.push(`| ${LABEL[t]} | ${i + 1} | ${n(q.connections)} | ${n(q.settledMs)} | ${n(q.eventLoopDelay.max, 1)} / ${n(q.eventLoopDelay.p99, 1)} | ${n(q.eventLoopDelay.busyCpuMax, 1)} | ${cpuCell(q.cpu)} |`);
      });
    }
    L.push('', `Each client's socket is destroyed without a goodbye, all in the same instant; "forgotten" = the server's \`parley_gateway_connections\` back to 0; the longest busy stretch = the most CPU the server used between two turns of a 5 ms timer, which waiting for a core on a busy machine does not inflate. ${rowsOf('mass-disconnect').some(([, r]) => r.coresApart) ? 'Each server ran on a core of its own, the load generators on the others. ' : ''}Shutdown (SIGTERM) with ${n(p.clients)} open: ${rowsOf('mass-disconnect').map(([t, r]) => `${LABEL[t]} exited after ${n(r.shutdown?.stopMs)} ms`).join(', ')}.`);
    errors('mass-disconnect');
    L.push('');
  }

  if (results['cluster-scale']) {
    const p = meta.params['cluster-scale'];
    const cluster = results['cluster-scale']['parley-cluster'];
    L.push('## Cluster — PostgreSQL + Redis, several `parley serve` processes on this machine');
    L.push('');
    L.push(`The nodes share one PostgreSQL schema and one Redis database (both fresh for each start); each client is given one node's gateway, round robin. **server** below = the nodes + PostgreSQL (their backends and its WAL writer, checkpointer and background writer) + Redis. This machine has ${meta.machine.cores} cores for all of it and for the load generators.`);
    L.push('');
    if (cluster?.ok) {
      const counts = cluster.messaging.map((/** @type {any} */ m) => m.nodes);
      L.push(`### 1:1 msgs/s with ${counts.slice(0, -1).join(', ')}${counts.length > 1 ? ' and ' : ''}${counts.at(-1)} nodes`);
      L.push('');
      L.push(`${p.pairs} pairs; sender i on node i % N, its recipient on the next node, so with 2 nodes or more every message crosses nodes (stored by the sender's node, its notice relayed through Redis, pulled from the recipient's node). Open-loop ramp in steps of ${p.stepMs / 1000} s (×${p.factor} from ${n(p.startRate)}/s), then one step at ${n(p.fixedRate)}/s for latency with headroom. Cores at max: each group's CPU during the best step; *machine busy* = everything this run used plus the rest of the machine.`);
      L.push('');
      L.push(`| nodes | max delivered msgs/s | scaling vs 1 node | at ${n(p.fixedRate)}/s offered: p50 / p99 ms | server cores at ${n(p.fixedRate)}/s | server CPU µs/msg at max | cores at max: Parley nodes · PostgreSQL · Redis · load generators · other | machine busy (cores) |`);
      L.push('|---:|---:|---:|---:|---:|---:|---|---:|');
      for (const m of cluster.messaging) {
        if (m.error) {
          L.push(`| ${m.nodes} | failed: ${m.error.split('\n')[0]} | | | | | | |`);
          continue;
        }
        const g = m.cpuAtMax.groups;
        const nodeCores = Object.keys(g).filter((k) => k.startsWith('node ')).map((k) => g[k]);
        const cores = `${n(nodeCores.reduce((a, b) => a + b, 0), 2)}${nodeCores.length > 1 ? ` (${nodeCores.map((c) => n(c, 2)).join(' + ')})` : ''} · ${n(g.PostgreSQL, 2)} · ${n(g.Redis, 2)} · ${n(g['load generators'], 2)} · ${n(m.cpuAtMax.otherCores, 2)}`;
        L.push(`| ${m.nodes} | ${n(m.maxRate)} | ${m.scaling === null ? '–' : `×${m.scaling.toFixed(2)}`} | ${n(m.fixed.latency.p50, 1)} / ${n(m.fixed.latency.p99, 1)} | ${n(m.fixed.cpu.serverCores, 2)} | ${n(m.serverCpuUsPerMessage)} | ${cores} | ${n(m.cpuAtMax.benchCores + m.cpuAtMax.otherCores, 2)} |`);
      }
      L.push('');
      L.push('<details><summary>Every step</summary>');
      L.push('');
      L.push(`| nodes | ${STEP_HEAD} |`);
      L.push(`|---:|${STEP_ALIGN}|`);
      for (const m of cluster.messaging) for (const st of m.error ? [] : [...m.steps, m.fixed]) L.push(`| ${m.nodes} | ${stepCells(st)} |`);
      L.push('');
      L.push('</details>');
      L.push('');
      const hold = clusterHold(results);
      if (hold) {
        L.push(`### Connections held — ${n(hold.stages.at(-1).attempted)} idle, authenticated, over ${hold.nodes} nodes`);
        L.push('');
        L.push(`Client i on node i % ${hold.nodes}; ${hold.workers} load generators (each < 20,000 sockets, bound to 127.0.0.2–17), ${p.concurrency} handshakes in flight each. Memory: (after − before) ÷ connections added since ${n(hold.warmup)} warm-up connections, summed over the nodes (heap after a forced full GC in each); counts per node as each node reports them (\`parley_gateway_connections\`).`);
        L.push('');
        L.push('| held | per node | server RSS (nodes) MiB | RSS KiB/conn | heap KiB/conn | fds, fullest node | connects/s | connect p99 ms | server CPU µs/connect | Redis RSS growth MiB | failed |');
        L.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
        for (const st of hold.stages) {
          L.push(`| ${n(st.held)} | ${st.perNode.map((/** @type {number} */ c) => n(c)).join(' · ')} | ${n(st.rssTotal / 2 ** 20)} | ${n(st.rssPerConnKiB, 2)} | ${n(st.heapPerConnKiB, 2)} | ${n(st.fdsAfter)} | ${n(st.connectRate)} | ${n(st.connectLatency.p99, 1)} | ${n(st.serverCpuUsPerConnect)} | ${n(st.redisRssGrowth / 2 ** 20, 1)} | ${n(st.failed)} |`);
        }
        L.push('');
        L.push(`All ${n(hold.held)} connected in ${n(hold.connectSeconds, 1)} s of connecting (${n(hold.connectRate)}/s overall); registering the users through the Server API took ${n(hold.registerSeconds, 1)} s before that.`);
      } else if (cluster.connections?.error) L.push(`- Connections held: failed: ${cluster.connections.error.split('\n')[0]}`);
    }
    errors('cluster-scale');
    L.push('');
  }

  if (run.profile) {
    L.push(`## Profile — Parley during ${run.profile.scenario}`);
    L.push('');
    L.push("`node --cpu-prof` over the server's whole life in that scenario, one profile per thread, busiest first. Top functions by self time, % of that thread's busy time:");
    L.push('');
    for (const thread of run.profile.threads) {
      L.push(`### ${thread.label}: ${n(thread.totalMs)} ms busy, ${n(thread.idleMs)} ms idle`);
      L.push('');
      L.push('| self % | self ms | function | where |');
      L.push('|---:|---:|---|---|');
      for (const f of thread.top.slice(0, 15)) L.push(`| ${f.selfPct} | ${n(f.selfMs)} | \`${f.name}\` | ${f.where} |`);
      L.push('');
      L.push('By file or package:');
      L.push('');
      L.push('| self % | self ms | file / package |');
      L.push('|---:|---:|---|');
      for (const g of thread.byGroup.slice(0, 10)) L.push(`| ${g.selfPct} | ${n(g.selfMs)} | ${g.group} |`);
      L.push('');
    }
  }
  return L.join('\n') + '\n';
}

/** The profile section alone, with the run's context (bench/results/profile.md). @param {any} run */
export function profileMarkdown(run) {
  const md = markdown({ ...run, bars: [], comparisons: [] });
  const at = md.indexOf('## Profile');
  const head = `# Parley CPU profile — ${run.meta.date}\n\nCommand: \`${run.meta.command}\`. Profile files: ${run.profile.threads.map((/** @type {any} */ t) => `\`${t.file.replace(/^.*bench\//, 'bench/')}\``).join(', ')} (open them in Chrome DevTools → Performance, or speedscope).\n\n`;
  return head + (at >= 0 ? md.slice(at) : '');
}

/** The README's summary of a run: date, machine, command, bars, one headline per scenario. @param {any} run */
export function readmeSummary(run) {
  const { meta, results } = run;
  const m = meta.machine;
  const L = [];
  L.push(`Last full run: **${meta.date.slice(0, 16).replace('T', ' ')} UTC**, \`${meta.command}\` (${n(meta.seconds / 60, 1)} min), Parley ${m.parleyCommit ?? '?'}, single node with SQLite.`);
  L.push(`Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, ${m.openFilesPerProcess?.hard ?? '?'} open files per process; shared with other work (load average ${m.loadAverageAtStart.join(' / ')} at start).`);
  L.push('');
  L.push('| Bar | Measured | Met |');
  L.push('|---|---|---|');
  for (const b of run.bars) L.push(`| ${b.bar} | ${b.measured} | ${b.met === null ? '—' : b.met ? '✅' : `❌ ${b.by ?? ''}`} |`);
  L.push('');
  const head = (/** @type {string} */ sc, /** @type {string} */ label, /** @type {(r: any) => any} */ get, /** @type {string} */ unit, digits = 0, skip = /** @type {string[]} */ ([])) => {
    const cells = [...PARLEY, ...PEERS].filter((t) => !skip.includes(t)).map((t) => (results[sc]?.[t]?.ok ? `${LABEL[t]} ${n(get(results[sc][t]), digits)}` : null)).filter(Boolean);
    if (cells.length) L.push(`| ${label} (${unit}) | ${cells.join(' · ')} |`);
  };
  L.push('| Figure | Parley · peers, same run |');
  L.push('|---|---|');
  head('connect-storm', 'Connect storm, 5,000 clients', (r) => r.perSecond, 'connects/s');
  const idleSc = results['idle-density'] ? 'idle-density' : 'connect-storm';
  head(idleSc, 'Idle memory', (r) => (idleSc === 'idle-density' ? r.rssPerConnKiB : r.idle?.rssPerConnKiB), 'KiB RSS per connection', 2, ['mosquitto']);
  head('messaging-ramp', '1:1 messages, max delivered', (r) => r.maxRate, 'msgs/s; Parley durable');
  for (const size of [10, 100, 1000]) head('group-fanout', `Groups of ${size}`, (r) => r.bySize?.find((/** @type {any} */ b) => b.size === size)?.deliveriesPerSecond, 'deliveries/s');
  head('reconnect-storm', 'Reconnect storm, all back after', (r) => r.backSeconds, 's', 1);
  head('offline-sync', 'Offline sync of 10,000', (r) => r.seconds, 's', 2);
  const cluster = results['cluster-scale']?.['parley-cluster'];
  const rates = cluster?.ok ? cluster.messaging.filter((/** @type {any} */ m) => !m.error) : [];
  if (rates.length) L.push(`| Parley cluster (PostgreSQL + Redis), 1:1 max delivered (msgs/s) | ${rates.map((/** @type {any} */ m) => `${m.nodes} node${m.nodes > 1 ? 's' : ''} ${n(m.maxRate)}${m.nodes > 1 && m.scaling !== null ? ` (×${m.scaling.toFixed(2)})` : ''}`).join(' · ')} |`);
  return L.join('\n') + '\n';
}
