export { localBrokerControllable, repoRoot, restartLocalBroker, testInfra, uniqueName, type TestInfra } from './test-infra';
export { recordingLogger } from './quiet-logger';
export { waitUntil } from './wait-until';
