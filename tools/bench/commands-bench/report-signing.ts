import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DeviceIdentity } from '@espalier/shared/util-testing';

/** One device's bodies to sign with its identity. */
export interface SignJob {
  readonly keyPem: string;
  readonly certDer: Uint8Array;
  readonly bodies: readonly Uint8Array[];
}

export const signJob = (identity: DeviceIdentity, bodies: readonly Buffer[]): SignJob => ({ keyPem: identity.keyPem, certDer: identity.certDer, bodies });

/**
 * Signs every job's bodies in worker threads: a 30-second run at the target
 * rate needs ~50,000 signatures, and pkijs takes 1–2 ms for each. Done
 * before the clock starts, so it never competes with the services.
 */
export async function signInWorkers(jobs: readonly SignJob[], threads: number): Promise<string[][]> {
  const chunks: SignJob[][] = Array.from({ length: Math.max(1, Math.min(threads, jobs.length)) }, () => []);
  jobs.forEach((job, i) => chunks[i % chunks.length].push(job));
  const signed = await Promise.all(chunks.map((chunk) => signChunk(chunk)));
  return jobs.map((_, i) => signed[i % chunks.length][Math.floor(i / chunks.length)]);
}

function signChunk(chunk: SignJob[]): Promise<string[][]> {
  const file = path.join(__dirname, 'report-signing.worker.ts');
  // The worker loads TypeScript through tsx, as the main thread does.
  const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, { eval: true });
  return new Promise<string[][]>((resolve, reject) => {
    worker.once('message', (signatures: string[][]) => resolve(signatures));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`bench: signing worker exited with code ${code}`)));
    worker.postMessage(chunk);
  }).finally(() => void worker.terminate());
}
