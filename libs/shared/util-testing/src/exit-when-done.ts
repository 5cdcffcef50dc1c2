import { after } from 'node:test';

/**
 * For spec files that restart the broker: after a restart kafkajs keeps a
 * request-timeout interval of a reconnected connection alive past
 * disconnect() (kafkajs RequestQueue.scheduleRequestTimeoutCheck), which
 * would keep this file's process running forever once its tests ended.
 * Once every test and hook of the file finished and reported, end the
 * process (with the exit code the test runner set). The timer is unref'd:
 * a file that would exit anyway is not affected.
 */
export function exitWhenDone(graceMs = 2_000): void {
  after(() => {
    setTimeout(() => process.exit(), graceMs).unref();
  });
}
