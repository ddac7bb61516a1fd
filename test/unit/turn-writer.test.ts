import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TurnWriter } from '../../src/http/verify/turn-writer.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TurnWriter', () => {
  it('runs the sends of one turn together at its end, in the order queued — not synchronously, not in a microtask', async () => {
    const errors: unknown[] = [];
    const w = new TurnWriter((e) => errors.push(e));
    const ran: string[] = [];
    w.later(() => ran.push('a'));
    queueMicrotask(() => w.later(() => ran.push('b')));
    process.nextTick(() => w.later(() => ran.push('c')));
    assert.deepEqual(ran, []);
    await Promise.resolve();
    await new Promise((r) => process.nextTick(r));
    assert.deepEqual(ran, [], 'nothing is sent before the turn ends');
    await nextTurn();
    assert.deepEqual(ran.sort(), ['a', 'b', 'c']);
    assert.equal(ran.length, 3);
    assert.deepEqual(errors, []);
  });

  it('keeps order within a turn and starts a new batch for sends queued by a send', async () => {
    const w = new TurnWriter(() => {});
    const ran: number[] = [];
    for (let i = 0; i < 5; i++) w.later(() => ran.push(i));
    w.later(() => w.later(() => ran.push(99)));
    await nextTurn();
    assert.deepEqual(ran, [0, 1, 2, 3, 4], 'a send queued during the flush waits for the next turn');
    await nextTurn();
    assert.deepEqual(ran, [0, 1, 2, 3, 4, 99]);
  });

  it('reports a throwing send and still runs the rest of the turn', async () => {
    const errors: unknown[] = [];
    const w = new TurnWriter((e) => errors.push(e));
    const ran: string[] = [];
    w.later(() => ran.push('first'));
    w.later(() => {
      throw new Error('boom');
    });
    w.later(() => ran.push('last'));
    await nextTurn();
    assert.deepEqual(ran, ['first', 'last']);
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as Error).message, 'boom');
    w.later(() => ran.push('next turn'));
    await nextTurn();
    assert.deepEqual(ran, ['first', 'last', 'next turn'], 'the writer keeps working after a failure');
  });
});
