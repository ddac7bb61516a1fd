import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { BusEcho } from '../../src/cache/bus-echo.js';
import { publishWithRetry } from '../../src/cache/publish-retry.js';

const silent = pino({ level: 'silent' });

/** The two guards around publishing an import or a key change (ADR 0009). */
describe('BusEcho', () => {
  it('resolves once every hash of the import came back, across chunks; false on timeout', async () => {
    const echo = new BusEcho();
    const back = echo.wait('p', ['a', 'b', 'c'], 1000);
    echo.seen('other-project', ['a', 'b', 'c']);
    echo.seen('p', ['a']);
    echo.seen('p', ['b', 'c']);
    assert.equal(await back, true);
    assert.equal(await echo.wait('p', ['never'], 20), false);
    assert.equal(await echo.wait('p', [], 20), true, 'nothing to wait for');
  });
});

describe('publishWithRetry', () => {
  it('a failed send is retried in the background until it goes through', async () => {
    let calls = 0;
    const ok = await publishWithRetry(
      async () => {
        calls++;
        if (calls < 3) throw new Error('down');
      },
      silent,
      () => false,
    );
    assert.equal(ok, false, 'the first attempt failed');
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal(calls, 3, 'retried every 500 ms, then stopped');
  });

  it('stops retrying once the bus is closed', async () => {
    let calls = 0;
    let closed = false;
    await publishWithRetry(
      async () => {
        calls++;
        throw new Error('down');
      },
      silent,
      () => closed,
    );
    closed = true;
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(calls, 1);
  });
});
