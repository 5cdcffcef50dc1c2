/**
 * npm run build: bundles each service (apps/<name>/src/main.ts) into
 * dist/apps/<name>/main.js, which the Docker image and `npm run bench` run
 * with `node` and the options in SERVICE_NODE_OPTIONS (README, "Running the
 * services yourself").
 */
import path from 'node:path';
import { buildServices } from '../build/service-build';

const repoRoot = path.resolve(__dirname, '../..');

buildServices(repoRoot)
  .then((outputs) => {
    for (const file of outputs) process.stdout.write(`built ${path.relative(repoRoot, file)}\n`);
  })
  .catch((error) => {
    process.stderr.write(`building: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
