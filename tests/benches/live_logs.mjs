// The build step of the live_logs benchmark: prints `BENCH <phase> <n> <ms>` lines, each
// stamped with the moment it is printed (ms since the epoch, sub-ms: the receiving client
// subtracts it from its own clock on the same machine).
//
//   node bench-log.mjs steady <lines per second> <seconds>   paced evenly
//   node bench-log.mjs burst <lines>                         as fast as it can
//
// On Linux, Node writes to a pipe synchronously: a line is stamped just before it enters the
// pipe, so time spent blocked on a full pipe counts as latency, as it would for a user.

const [phase, a, b] = process.argv.slice(2);
const now = () => performance.timeOrigin + performance.now();
const print = (n) => process.stdout.write(`BENCH ${phase} ${n} ${now().toFixed(3)}\n`);

if (phase === "burst") {
  const total = Number(a);
  for (let n = 0; n < total; n++) print(n);
} else if (phase === "steady") {
  const rate = Number(a);
  const total = rate * Number(b);
  const start = now();
  let n = 0;
  const tick = () => {
    // Timers are coarse; the schedule is not: print every line due by now, then sleep until
    // the next one is.
    const due = Math.min(total, Math.floor(((now() - start) * rate) / 1000) + 1);
    while (n < due) print(n++);
    if (n < total) setTimeout(tick, Math.max(0, start + (n * 1000) / rate - now()));
  };
  tick();
} else {
  console.error(`unknown phase ${phase}: steady or burst`);
  process.exit(2);
}
