// What ends a phone page's Time to Interactive in Lighthouse's simulation (issue #15, Deliver 3).
//
// Lighthouse's simulated TTI is the end of the last main-thread task longer than 50 ms (12.5 ms as observed,
// at its 4x CPU slow-down) in Lantern's replay of the page load, and never earlier than LCP. This replays the
// saved trace of one run (`bench/lighthouse.py --traces`) through the same Lantern code the pinned
// Lighthouse uses and prints, in simulated time, when each script arrives and each task over 20 ms runs,
// with the requests it waited for and the scripts it ran: the last long task is what to shorten, the
// scripts before it are what to make smaller.
//
//     node bench/lantern_tti.mjs bench/out/lighthouse/projects-mobile-1 [--optimistic]

import path from 'node:path';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const lighthouse = path.join(here, '..', '.tools', 'lighthouse', 'node_modules', 'lighthouse', 'core');
const {loadArtifacts} = await import(path.join(lighthouse, 'lib', 'asset-saver.js'));
const {LanternInteractive} = await import(path.join(lighthouse, 'computed', 'metrics', 'lantern-interactive.js'));
const {defaultSettings} = await import(path.join(lighthouse, 'config', 'constants.js'));

const [folder, ...flags] = process.argv.slice(2);
if (!folder) {
  console.error('usage: node bench/lantern_tti.mjs <a run folder kept by bench/lighthouse.py --traces>');
  process.exit(2);
}
const artifacts = await loadArtifacts(folder);
const settings = {...defaultSettings};
const data = {
  trace: artifacts.Trace,
  devtoolsLog: artifacts.DevtoolsLog,
  gatherContext: artifacts.GatherContext,
  settings,
  URL: artifacts.URL,
  SourceMaps: artifacts.SourceMaps || [],
  simulator: null,
};
const result = await LanternInteractive.request(data, {computedCache: new Map(), settings});
const estimate = flags.includes('--optimistic') ? result.optimisticEstimate : result.pessimisticEstimate;
const name = (url) => (url || '').split('?')[0].split('/').pop() || url;
const ms = (value) => value.toFixed(0).padStart(6);

console.log(
  `TTI ${ms(result.timing)} ms (optimistic ${ms(result.optimisticEstimate.timeInMs)},` +
    ` pessimistic ${ms(result.pessimisticEstimate.timeInMs)}); below: the ` +
    `${flags.includes('--optimistic') ? 'optimistic' : 'pessimistic'} graph, simulated ms`,
);
const timings = [...estimate.nodeTimings.entries()].sort((a, b) => a[1].endTime - b[1].endTime);
const firstStart = Math.min(...timings.map(([node]) => node.startTime));
let lastLong = null;
for (const [node, timing] of timings) {
  if (node.type === 'cpu' && timing.duration > 50) lastLong = node;
}
for (const [node, timing] of timings) {
  if (node.type === 'network') {
    const request = node.request;
    console.log(`  ${ms(timing.startTime)} -> ${ms(timing.endTime)}  get  ${name(request.url)} (${request.resourceType})`);
    continue;
  }
  if (timing.duration < 20) continue;
  const scripts = new Set();
  for (const event of node.childEvents) {
    const url = event.args?.data?.url || event.args?.data?.stackTrace?.[0]?.url;
    if (url) scripts.add(name(url));
  }
  const waited = node.getDependencies().filter((dep) => dep.type === 'network').map((dep) => name(dep.request.url));
  const mark = node === lastLong ? '  <- the last task over 50 ms' : '';
  console.log(
    `  ${ms(timing.startTime)} -> ${ms(timing.endTime)}  task ${timing.duration.toFixed(0)} ms` +
      ` (observed at ${((node.startTime - firstStart) / 1000).toFixed(0)} ms), after ${waited.join(', ')};` +
      ` runs ${[...scripts].slice(0, 5).join(', ') || '(no script)'}${mark}`,
  );
}
