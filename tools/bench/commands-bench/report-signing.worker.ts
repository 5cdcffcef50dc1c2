import { createPrivateKey } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { signMdmBody } from '@espalier/shared/util-testing';
import type { SignJob } from './report-signing';

// Signs what the main thread hands over, as a device would (SHA-256, signed attributes).
parentPort?.on('message', (jobs: SignJob[]) => {
  const signatures = jobs.map((job) => {
    const identity = { certPem: '', certDer: Buffer.from(job.certDer), keyPem: job.keyPem, privateKey: createPrivateKey(job.keyPem) };
    return job.bodies.map((body) => signMdmBody(Buffer.from(body), identity, { digest: 'sha256', signedAttributes: true }));
  });
  parentPort?.postMessage(signatures);
});
