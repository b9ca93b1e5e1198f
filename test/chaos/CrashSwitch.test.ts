import { describe, expect, it } from 'vitest';
import { CrashSwitch } from '../../chaos/CrashSwitch.ts';
import { SimulatedCrashError } from '../../chaos/errors.ts';

const settledWithin = <T>(promise: Promise<T>) =>
  Promise.race([
    promise.then(() => 'settled'),
    new Promise((r) => setTimeout(() => r('pending'), 20)),
  ]);

describe('CrashSwitch', () => {
  it('fails the invocation with SimulatedCrashError when it crashes', async () => {
    const invocation = new CrashSwitch('consumer');
    const run = invocation.run(new Promise<never>(() => {}));

    invocation.crash('2 accepted send(s)');

    await expect(run).rejects.toThrow(new SimulatedCrashError('consumer', '2 accepted send(s)'));
  });

  it('stops guarded calls for good once crashed, and runs them before', async () => {
    const invocation = new CrashSwitch('relay');
    let calls = 0;
    const call = async () => ++calls;

    const before = await invocation.guard(call);
    invocation.crash('1 call');
    const after = await settledWithin(invocation.guard(call));

    expect(before).toBe(1);
    expect(after).toBe('pending');
    expect(calls).toBe(1);
  });

  it('keeps the effect of a call in flight at the crash but never answers it', async () => {
    const invocation = new CrashSwitch('relay');
    let applied = false;

    const inFlight = invocation.guard(async () => {
      applied = true;
      invocation.crash('mid-call');
      return 'response';
    });

    expect(await settledWithin(inFlight)).toBe('pending');
    expect(applied).toBe(true);
  });
});
