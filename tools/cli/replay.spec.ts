import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { progressOf, ReplayRefused } from '@espalier/shared/data-access-postgres';
import { progressLine } from './replay-progress-bar';
import { projectionsFor } from './replay';

describe('espalier replay: targets and progress', () => {
  it('names one projection, a service\'s projections, or all of them; anything else is refused with the list', () => {
    assert.deepStrictEqual(projectionsFor('commands.queue').map((p) => p.name), ['commands.queue']);
    assert.deepStrictEqual(projectionsFor('api').map((p) => p.name), ['api.registry', 'api.history']);
    assert.deepStrictEqual(projectionsFor('all').map((p) => p.name).sort(), ['api.history', 'api.registry', 'checkin.enrollments', 'commands.queue', 'push.targets']);
    assert.throws(() => projectionsFor('commands.queues'), (e: Error) => e instanceof ReplayRefused && /unknown projection or service "commands.queues" \(projections: .*commands\.queue.*; services: .*; or all\)/.test(e.message));
    assert.throws(() => projectionsFor('webhook'), (e: Error) => e instanceof ReplayRefused && /has no projections/.test(e.message));
    assert.throws(() => projectionsFor(undefined), (e: Error) => e instanceof ReplayRefused && /^name a projection, a service or all/.test(e.message));
  });

  it('shows records done and left, events/s and time left', () => {
    const line = progressLine(progressOf('api.history', 'rebuilding', 250_000, 750_000, 10_000));
    assert.equal(line, 'api.history rebuilding [########......................]  25.0% 250,000 done, 750,000 left, 25,000 events/s, 30s left');
    assert.match(progressLine(progressOf('push.targets', 'rebuilding', 0, 10, 0)), /0 events\/s, \? left$/);
  });
});
