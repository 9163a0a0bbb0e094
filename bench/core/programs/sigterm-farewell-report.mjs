// As sigterm-farewell.mjs, with someone reading the exit report: a
// diagnostics channel subscriber and an onExitReport listener.
import diagnostics from 'node:diagnostics_channel';
import { exitChannels, onExit, onExitReport } from 'farewell';
let hooks = 0;
diagnostics.subscribe(exitChannels.hookEnd, () => hooks++);
onExitReport((report) => void report.hooks.length);
for (let i = 0; i < 10; i++) onExit(async () => {});
setInterval(() => {}, 1 << 30);
process.stdout.write('ready\n');
