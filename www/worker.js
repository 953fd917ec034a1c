// The analysis engine in a Web Worker: parsing, fitting and drawing run off the page's main
// thread. The page sends `init` with the compiled wasm module (so this worker fetches nothing)
// and then requests {id, op, args}: the operations of www/ops.js, the same table the main-thread
// engine runs in-process. Each request gets {id, ok, value} (an answer's `transfer` list — drawn
// bitmaps — is moved, not copied) or {id, ok: false, error, fatal}; a load's progress comes as
// {id, progress}. A wasm panic is `fatal`: the page ends this worker and starts a new one.

import { perform, panic, isFatal, errorObject, fatalError } from './ops.js';

/** The engine state the operations work on (see www/ops.js). */
const st = { glue: null, memory: null, session: null, streamed: null, loading: null };

// The page's privacy badge counts every request made since loading, from the browser's own
// record; a worker's requests are in the worker's record, not the page's. So the worker sends
// its record to the page as it grows: {net: [{name, time, initiator}]}, `time` on the epoch
// clock (performance.timeOrigin + startTime), which the page maps onto its own clock.
function reportRequests(entries) {
  const net = entries.map(e => ({ name: e.name, time: performance.timeOrigin + e.startTime, initiator: e.initiatorType }));
  if (net.length) self.postMessage({ net });
}
try {
  new PerformanceObserver(list => reportRequests(list.getEntries())).observe({ type: 'resource', buffered: true });
} catch {
  // No observer in this worker: report what was fetched so far.
  try { reportRequests(performance.getEntriesByType('resource')); } catch { /* no resource timing */ }
}

self.onmessage = async ev => {
  const { id, op, args } = ev.data;
  panic.message = null;
  try {
    const value = await perform(st, op, args, progress => self.postMessage({ id, progress }));
    if (value && value.transfer) {
      const { transfer, ...rest } = value;
      self.postMessage({ id, ok: true, value: rest }, transfer);
    } else {
      self.postMessage({ id, ok: true, value });
    }
  } catch (e) {
    const fatal = isFatal(e);
    const error = fatal ? fatalError(st, e) : errorObject(e);
    self.postMessage({ id, ok: false, error, fatal });
  }
};
