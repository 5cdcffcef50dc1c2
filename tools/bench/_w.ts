import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { idleReport } from '@espalier/shared/util-testing';
if (isMainThread) {
  const w = new Worker(new URL(import.meta.url));
  w.on('message', (m) => { console.log('got', m.length); void w.terminate(); });
  w.on('error', (e) => console.error('err', e));
} else {
  parentPort!.postMessage(idleReport({ ids: { udid: 'X' } }));
}
