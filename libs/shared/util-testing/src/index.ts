export { infraCommand, localInfraControls, repoRoot, testInfra, uniqueName, type TestInfra } from './test-infra';
export { recordingLogger } from './quiet-logger';
export { waitUntil } from './wait-until';
export { freePort } from './free-port';
export * from './fixtures';
export * from './devices';
export { exitWhenDone } from './exit-when-done';
export * from './apns';
