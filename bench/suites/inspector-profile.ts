import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import type { Profiled, SuiteEnv } from './types.js';

/**
 * A CPU profile of this very process around `run` (node:inspector, 250 µs sampling like `--cpu-prof`),
 * for in-process suites: written as a .cpuprofile into a fresh profile directory, with the window of
 * the run so the summary leaves everything else out.
 */
export async function profileInProcess(env: SuiteEnv, name: string, run: () => Promise<void>): Promise<Profiled> {
  const dir = env.profiles.dir(`${name}-${Date.now()}`);
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 250 });
    await session.post('Profiler.start');
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    await run();
    const toUs = Number(process.hrtime.bigint() / 1000n);
    const { profile } = await session.post('Profiler.stop');
    // The name mainThreadProfile() expects: CPU.<date>.<time>.<pid>.<thread 0>.<seq>.cpuprofile
    const file = join(dir, `CPU.inspector.${Date.now()}.${process.pid}.0.001.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return { file, window: { fromUs, toUs } };
  } finally {
    session.disconnect();
  }
}
