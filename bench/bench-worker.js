// One timed verification in a fresh dedicated worker, for scripts/bench.mjs.
// {type:'load', kind} imports what `kind` needs (untimed), then {type:'go', url}
// runs it and answers {type:'done', ms, report} (ms: from 'go' to the report).
//   onus-1     one TraceVerifier, push() per fetched chunk (the page's single-worker loop)
//   onus-pool  www/engine/pool.js with `workers` analyzers (wasm compile and worker start included)
//   js-webcrypto, js-noble   bench/baseline.js
let run;
let lastStats = null; // pool.js's own account of where the time went

async function load(kind) {
  if (kind === 'onus-1') {
    const pkg = await import('/www/pkg/onus.js');
    run = async ({ url }) => {
      await pkg.default({ module_or_path: new URL('/www/pkg/onus_bg.wasm', location.href) });
      const v = new pkg.TraceVerifier({});
      const res = await fetch(url);
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        v.push(value);
      }
      const report = v.finish();
      v.free();
      return report;
    };
  } else if (kind === 'onus-pool') {
    const { verifyWithPool } = await import('/www/engine/pool.js');
    run = async ({ url, workers, chunkBytes }) => {
      const { report, verifier, stats } = await verifyWithPool({ source: url, workers, chunkBytes });
      lastStats = stats;
      verifier.free();
      return report;
    };
  } else if (kind === 'js-webcrypto' || kind === 'js-noble') {
    const { verifyTrace } = await import('/bench/baseline.js');
    run = ({ url }) => verifyTrace(url, kind === 'js-noble' ? 'noble' : 'webcrypto');
  } else {
    throw new Error(`unknown kind ${kind}`);
  }
}

onmessage = async (e) => {
  const m = e.data;
  try {
    if (m.type === 'load') {
      await load(m.kind);
      postMessage({ type: 'loaded' });
    } else if (m.type === 'go') {
      const t0 = performance.now();
      const report = await run(m);
      const ms = performance.now() - t0;
      postMessage({ type: 'done', ms, report, stats: lastStats });
    }
  } catch (err) {
    postMessage({ type: 'error', message: String(err?.stack ?? err) });
  }
};
