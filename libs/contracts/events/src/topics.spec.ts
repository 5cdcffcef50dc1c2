import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_TOPICS, dlqTopicOf, TOPICS } from './topics';

describe('topics', () => {
  it('lists the three MDM topics', () => {
    assert.deepEqual([...ALL_TOPICS].sort(), ['mdm.command', 'mdm.enrollment', 'mdm.push']);
    assert.equal(TOPICS.enrollment, 'mdm.enrollment');
  });

  it('derives dead-letter topics', () => {
    assert.equal(dlqTopicOf(TOPICS.command), 'mdm.command.dlq');
    assert.deepEqual(ALL_TOPICS.map(dlqTopicOf), ['mdm.enrollment.dlq', 'mdm.command.dlq', 'mdm.push.dlq']);
  });

  it('refuses a dead-letter topic of a dead-letter topic', () => {
    assert.throws(() => dlqTopicOf('mdm.push.dlq'), /dead-letter topic of "mdm.push.dlq": already a dead-letter topic/);
    assert.throws(() => dlqTopicOf(''), /empty topic name/);
  });
});
