// Preloaded (--require) into an undici-based contender of bench/e2e-tools.ts (the loop, oidc-flow
// run): prints, at exit, how long the process ran outside its requests' round trips (from a
// request's headers written to its answer's headers), i.e. its own start, its work between an
// answer and the next request, and its exit. Wall time adds the servers' time, which on a shared
// machine moves with everything else; this is the part a client controls (issue #14 point 1).
// undici publishes on these named channels from every copy, the CLI's bundled one included.
const dc = require('node:diagnostics_channel');
const { performance } = require('node:perf_hooks');

const sent = new WeakMap();
let trips = 0;
let inTrips = 0;
dc.subscribe('undici:client:sendHeaders', ({ request }) => sent.set(request, performance.now()));
dc.subscribe('undici:request:headers', ({ request }) => {
  const at = sent.get(request);
  if (at === undefined) return;
  sent.delete(request);
  trips += 1;
  inTrips += performance.now() - at;
});
process.on('exit', () => {
  // performance.now() counts from the process's start (its time origin).
  const outside = Math.max(0, performance.now() - inTrips);
  process.stderr.write(`\noutside-trips-us ${Math.round(outside * 1000)} trips ${trips}\n`);
});
