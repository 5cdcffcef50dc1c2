// The subscriber example of docs/subscribing.md, run as a reader would run it, against events
// appended through the event log to the real topics.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { LogPosition, LogRecord } from '@espalier/contracts/event-log';
import { ALL_TOPICS, createEvent, dlqTopicOf, encodeEvent, type EspalierEventType, type EventData, type EventMeta } from '@espalier/contracts/events';
import { sampleData } from '@espalier/contracts/events/testing';
import { KafkaEventLog } from '@espalier/shared/data-access-kafka';
import { uuidv7 } from '@espalier/shared/util-ids';
import { recordingLogger, repoRoot, testInfra, uniqueName, waitUntil } from '@espalier/shared/util-testing';

const device = randomUUID().toUpperCase();
const user = `${device}:${randomUUID().toUpperCase()}`;
const [cmdUser, cmdDevice] = [randomUUID().toUpperCase(), randomUUID().toUpperCase()];

function event<T extends EspalierEventType>(type: T, enrollmentId: string, data: Partial<EventData<T>> = {}, source: EventMeta['source'] = 'checkin') {
  const meta = { eventId: uuidv7(), occurredAt: new Date().toISOString(), enrollmentId, deviceId: device, source, correlationId: uuidv7(), causationId: null };
  return createEvent(type, { ...sampleData[type], ...data } as never, meta as never);
}

/** A CommandReported v1 record, as the commands service wrote them before v2 (no `certificate`). */
function commandReportedV1(commandUuid: string): LogRecord {
  const eventId = uuidv7();
  const envelope = {
    eventId,
    type: 'CommandReported',
    version: 1,
    occurredAt: new Date().toISOString(),
    enrollmentId: device,
    deviceId: device,
    source: 'commands',
    correlationId: uuidv7(),
    causationId: null,
    data: { commandUuid, status: 'Error', errorChain: [{ errorCode: 12021, errorDomain: 'MCMDMErrorDomain' }], notNow: false, raw: 'PD94bWw+' },
  };
  const headers = { 'espalier-type': 'CommandReported', 'espalier-version': '1', 'espalier-event-id': eventId, 'content-type': 'application/json' };
  return { topic: 'mdm.command', key: device, value: Buffer.from(JSON.stringify(envelope)), headers };
}

describe('examples/subscriber (docs/subscribing.md)', () => {
  const infra = testInfra();
  const log = new KafkaEventLog({ brokers: infra.kafkaBrokers, clientId: 'subscriber-example-test', logger: recordingLogger() });
  const appended: { record: LogRecord; position: LogPosition }[] = [];
  const stdout: string[] = [];
  let stderr = '';
  const groupId = uniqueName('example.subscriber');
  let child: ChildProcess;
  let exit: Promise<number | null>;

  async function append(record: LogRecord): Promise<LogPosition> {
    // One at a time, so the log order is this order.
    const [position] = await log.appender.append([record]);
    appended.push({ record, position });
    return position;
  }

  before(async () => {
    await log.connect();
    await log.provisionTopics([...ALL_TOPICS.map((topic) => ({ topic, partitions: 6 })), ...ALL_TOPICS.map((topic) => ({ topic: dlqTopicOf(topic), partitions: 1 }))]);
    const since = new Date(Date.now() - 1_000);
    const tokenUpdate = encodeEvent(event('TokenUpdated', device));
    for (const record of [
      encodeEvent(event('EnrollmentAuthenticated', device, { udid: device, serialNumber: 'C02XK0AAJG5H', enrollmentType: 'Device' })),
      tokenUpdate,
      encodeEvent(event('TokenUpdated', user, { enrollmentType: 'User', parentId: device, userShortName: 'jappleseed' })),
      encodeEvent(event('CommandQueued', user, { commandUuid: cmdUser }, 'commands')),
      encodeEvent(event('CommandDelivered', user, { commandUuid: cmdUser }, 'commands')),
      encodeEvent(event('CommandReported', user, { commandUuid: cmdUser, status: 'Acknowledged', errorChain: undefined }, 'commands')),
      encodeEvent(event('CommandQueued', device, { commandUuid: cmdDevice }, 'commands')),
      commandReportedV1(cmdDevice),
      encodeEvent(event('CommandReported', device, { commandUuid: null, status: 'Idle', errorChain: undefined }, 'commands')),
      encodeEvent(event('EnrollmentCheckedOut', device)),
      // A redelivery: the same record again (at-least-once). The example prints it once.
      tokenUpdate,
      encodeEvent(event('EnrollmentCheckedOut', user)),
    ]) {
      await append(record);
    }
    child = spawn(process.execPath, ['--import', 'tsx', path.join('examples', 'subscriber', 'follow.ts'), '--group', groupId, '--since', since.toISOString()], {
      cwd: repoRoot,
      env: { ...process.env, KAFKA_BROKERS: infra.kafkaBrokers.join(',') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    let partial = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      stdout.push(...lines);
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  });

  after(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    await exit;
    await log.deleteGroup(groupId).catch(() => undefined);
    await log.close();
  });

  const ours = () => stdout.filter((line) => line.includes(`enrollment=${device}`) || line.includes(`enrollment=${user}`));
  const at = (i: number) => `${appended[i].position.topic}/${appended[i].position.partition}@${appended[i].position.offset}`;
  const occurredAt = (i: number) => (JSON.parse(appended[i].record.value.toString('utf8')) as { occurredAt: string }).occurredAt;

  it('prints one line per enrollment event and command result, in log order, each event once', async () => {
    // The last record of each topic: once printed, everything before it in its partition was handled.
    await waitUntil('the subscriber printed the last events', () => ours().some((l) => l.includes(`enrollment=${user}`) && l.includes('EnrollmentCheckedOut')) && ours().some((l) => l.includes('status=Idle')), 90_000);
    const enrollment = ours().filter((line) => line.includes(' mdm.enrollment/'));
    const command = ours().filter((line) => line.includes(' mdm.command/'));
    assert.deepEqual(enrollment, [
      `${occurredAt(0)} ${at(0)} EnrollmentAuthenticated enrollment=${device} type=Device serial=C02XK0AAJG5H model=MacBookPro16,1`,
      `${occurredAt(1)} ${at(1)} TokenUpdated enrollment=${device} type=Device device=${device} pushTopic=${sampleData.TokenUpdated.pushTopic}`,
      `${occurredAt(2)} ${at(2)} TokenUpdated enrollment=${user} type=User device=${device} pushTopic=${sampleData.TokenUpdated.pushTopic}`,
      `${occurredAt(9)} ${at(9)} EnrollmentCheckedOut enrollment=${device}`,
      `${occurredAt(11)} ${at(11)} EnrollmentCheckedOut enrollment=${user}`,
    ]);
    assert.deepEqual(command, [
      `${occurredAt(5)} ${at(5)} CommandReported enrollment=${user} command=${cmdUser} status=Acknowledged`,
      // A v1 record, upcast by the catalog to v2 before the example sees it.
      `${occurredAt(7)} ${at(7)} CommandReported enrollment=${device} command=${cmdDevice} status=Error error=12021/MCMDMErrorDomain`,
      `${occurredAt(8)} ${at(8)} CommandReported enrollment=${device} command=- status=Idle`,
    ]);
    assert.ok(!ours().some((line) => / Command(Queued|Delivered) /.test(line)), 'types it does not follow are skipped');
  });

  it('keys a device and its user channel to one partition', () => {
    const enrollmentPartitions = new Set(appended.filter((a) => a.position.topic === 'mdm.enrollment').map((a) => a.position.partition));
    assert.equal(enrollmentPartitions.size, 1);
    assert.ok(appended.every((a) => a.record.key === device));
  });

  it('stops cleanly on SIGTERM, in its own consumer group', async () => {
    assert.match(stderr, /following mdm\.enrollment, mdm\.command as consumer group example\.subscriber_/);
    child.kill('SIGTERM');
    assert.equal(await exit, 0, stderr);
    assert.match(stderr, /SIGTERM: stopping/);
    assert.doesNotMatch(stderr, /failed:/);
    // Records other tests append may be skipped; none of ours may be.
    for (const { position } of appended) assert.ok(!stderr.includes(`skipping ${position.topic}/${position.partition}@${position.offset}:`), `${position.offset} skipped`);
  });
});
