import { describe, expect, it } from 'vitest';
import {
  ClaimLostError,
  ClaimNotHeldError,
  LedgerArgumentError,
  LedgerConfigError,
} from '../../lambdas/ledger/errors.ts';
import { MemoryLedger } from '../../lambdas/ledger/MemoryLedger.ts';
import { EVENT_ID, fakeClock, T0 } from '../helpers/events.ts';

const ID = `${EVENT_ID}:0`;

describe('MemoryLedger', () => {
  it('claims a new notification, completes it, and answers completed on redelivery', async () => {
    const clock = fakeClock();
    const ledger = new MemoryLedger({ clock });

    const { outcome: first } = await ledger.claim(ID, T0 + 60_000);
    await ledger.complete(ID, { providerMessageId: 'ses-1' });
    const { outcome: redelivery } = await ledger.claim(ID, T0 + 60_000);

    expect(first).toBe('claimed');
    expect(redelivery).toBe('completed');
    expect(ledger.record(ID)).toMatchObject({
      status: 'completed',
      providerMessageId: 'ses-1',
      completedAt: T0,
    });
    expect(ledger.record(ID)?.leaseUntil).toBeUndefined();
  });

  it('refuses a second claim while the first lease holds', async () => {
    const clock = fakeClock();
    const ledger = new MemoryLedger({ clock });
    const other = ledger.worker();
    await ledger.claim(ID, T0 + 60_000);

    clock.advance(59_999);
    const { outcome } = await other.claim(ID, clock() + 60_000);

    expect(outcome).toBe('in-progress');
    expect(ledger.record(ID)?.leaseUntil).toBe(T0 + 60_000);
  });

  it('reports the lease of the worker holding a refused claim', async () => {
    const clock = fakeClock();
    const ledger = new MemoryLedger({ clock });
    const other = ledger.worker();

    const first = await ledger.claim(ID, T0 + 60_000);
    clock.advance(20_000);
    const refused = await other.claim(ID, clock() + 60_000);
    await ledger.complete(ID, {});
    const completed = await other.claim(ID, clock() + 60_000);

    expect(first).toEqual({ outcome: 'claimed' });
    expect(refused).toEqual({ outcome: 'in-progress', leaseUntil: T0 + 60_000 });
    expect(completed).toEqual({ outcome: 'completed' });
    expect(ledger.stats().calls.claim).toBe(3);
  });

  it('lets another worker take over a claim whose lease expired', async () => {
    const clock = fakeClock();
    const ledger = new MemoryLedger({ clock });
    const other = ledger.worker();
    await ledger.claim(ID, T0 + 60_000);

    clock.advance(60_001);
    const { outcome } = await other.claim(ID, clock() + 60_000);

    expect(outcome).toBe('claimed');
    expect(ledger.record(ID)?.leaseUntil).toBe(T0 + 60_001 + 60_000);
  });

  it('does not let a worker whose lease was taken over complete the new claim', async () => {
    const clock = fakeClock();
    const ledger = new MemoryLedger({ clock });
    const stale = ledger.worker();
    const fresh = ledger.worker();
    await stale.claim(ID, T0 + 1_000);
    clock.advance(1_001);
    await fresh.claim(ID, clock() + 60_000);

    const staleComplete = stale.complete(ID, { providerMessageId: 'stale' });

    await expect(staleComplete).rejects.toBeInstanceOf(ClaimLostError);
    expect(ledger.status(ID)).toBe('in-progress');
    await fresh.complete(ID, { providerMessageId: 'fresh' });
    expect(ledger.record(ID)?.providerMessageId).toBe('fresh');
  });

  it('does not let a worker whose lease was taken over release the new claim', async () => {
    const clock = fakeClock();
    const ledger = new MemoryLedger({ clock });
    const stale = ledger.worker();
    const fresh = ledger.worker();
    await stale.claim(ID, T0 + 1_000);
    clock.advance(1_001);
    await fresh.claim(ID, clock() + 60_000);

    const staleRelease = stale.release(ID);

    await expect(staleRelease).rejects.toBeInstanceOf(ClaimLostError);
    expect((await ledger.worker().claim(ID, clock() + 60_000)).outcome).toBe('in-progress');
  });

  it('lets a worker complete after its lease ran out when nobody took it over', async () => {
    const clock = fakeClock();
    const ledger = new MemoryLedger({ clock });
    await ledger.claim(ID, T0 + 1_000);

    clock.advance(5_000);
    await ledger.complete(ID, {});

    expect(ledger.status(ID)).toBe('completed');
  });

  it('removes the record on release, so the next claim succeeds at once', async () => {
    const ledger = new MemoryLedger({ clock: () => T0 });
    await ledger.claim(ID, T0 + 60_000);

    await ledger.release(ID);

    expect(ledger.status(ID)).toBeUndefined();
    expect((await ledger.worker().claim(ID, T0 + 60_000)).outcome).toBe('claimed');
  });

  it('refuses to complete or release a notification this worker never claimed', async () => {
    const ledger = new MemoryLedger({ clock: () => T0 });
    await ledger.worker().claim(ID, T0 + 60_000);

    await expect(ledger.complete(ID, {})).rejects.toBeInstanceOf(ClaimNotHeldError);
    await expect(ledger.release(ID)).rejects.toBeInstanceOf(ClaimNotHeldError);
    expect(ledger.status(ID)).toBe('in-progress');
  });

  it('treats a record past its TTL as gone', async () => {
    const clock = fakeClock();
    const ledger = new MemoryLedger({ clock, ttlSeconds: 3600 });
    await ledger.claim(ID, T0 + 60_000);
    await ledger.complete(ID, {});

    clock.advance(3_600_000);

    expect(ledger.status(ID)).toBeUndefined();
    expect(ledger.size).toBe(0);
    expect((await ledger.claim(ID, clock() + 60_000)).outcome).toBe('claimed');
  });

  it('counts calls, claim outcomes and errors', async () => {
    const ledger = new MemoryLedger({ clock: () => T0 });
    const other = ledger.worker();

    await ledger.claim(ID, T0 + 60_000);
    await other.claim(ID, T0 + 60_000);
    await ledger.complete(ID, {});
    await other.claim(ID, T0 + 60_000);
    await other.release(ID).catch(() => {});

    expect(ledger.stats()).toEqual({
      calls: { claim: 3, complete: 1, release: 0 },
      claimOutcomes: { claimed: 1, completed: 1, 'in-progress': 1 },
      errors: 1,
    });
  });

  describe('fault injection', () => {
    it('fails a call before it changes anything', async () => {
      const ledger = new MemoryLedger({
        clock: () => T0,
        fault: (operation) => (operation === 'complete' ? new Error('injected') : undefined),
      });
      await ledger.claim(ID, T0 + 60_000);

      await expect(ledger.complete(ID, {})).rejects.toThrow('injected');

      expect(ledger.status(ID)).toBe('in-progress');
      expect(ledger.stats().calls.complete).toBe(1);
    });

    it('keeps the claim after a failed complete, so the worker can still release it', async () => {
      let failing = true;
      const ledger = new MemoryLedger({
        clock: () => T0,
        fault: (operation) => (operation === 'complete' && failing ? new Error('x') : undefined),
      });
      await ledger.claim(ID, T0 + 60_000);
      await ledger.complete(ID, {}).catch(() => {});

      failing = false;
      await ledger.release(ID);

      expect(ledger.status(ID)).toBeUndefined();
    });

    it('lets a completion whose response was lost be repeated: the repeat finds its own record', async () => {
      let lost = 1;
      const ledger = new MemoryLedger({
        clock: () => T0,
        faultAfterApply: (operation) =>
          operation === 'complete' && lost-- > 0 ? new Error('response lost') : undefined,
      });
      await ledger.claim(ID, T0 + 60_000);
      await expect(ledger.complete(ID, {})).rejects.toThrow('response lost');

      await expect(ledger.complete(ID, {})).resolves.toBeUndefined();

      expect(ledger.status(ID)).toBe('completed');
      await expect(ledger.complete(ID, {})).rejects.toBeInstanceOf(ClaimNotHeldError);
    });

    it('applies a claim whose response is lost: the record stays in progress until the lease ends', async () => {
      const clock = fakeClock();
      let lost = 1;
      const ledger = new MemoryLedger({
        clock,
        faultAfterApply: (operation) =>
          operation === 'claim' && lost-- > 0 ? new Error('response lost') : undefined,
      });

      await expect(ledger.claim(ID, T0 + 60_000)).rejects.toThrow('response lost');

      expect(ledger.status(ID)).toBe('in-progress');
      await expect(ledger.release(ID)).rejects.toBeInstanceOf(ClaimNotHeldError);
      expect((await ledger.worker().claim(ID, T0 + 60_000)).outcome).toBe('in-progress');
      clock.advance(60_001);
      expect((await ledger.worker().claim(ID, clock() + 60_000)).outcome).toBe('claimed');
    });

    it('passes the operation and notification id to the hook', async () => {
      const seen: string[] = [];
      const ledger = new MemoryLedger({
        clock: () => T0,
        fault: (operation, id) => {
          seen.push(`${operation} ${id}`);
          return undefined;
        },
      });

      await ledger.claim(ID, T0 + 60_000);
      await ledger.release(ID);

      expect(seen).toEqual([`claim ${ID}`, `release ${ID}`]);
    });
  });

  describe('arguments', () => {
    it('rejects an empty notification id', async () => {
      const ledger = new MemoryLedger({ clock: () => T0 });

      await expect(ledger.claim('', T0 + 1)).rejects.toBeInstanceOf(LedgerArgumentError);
    });

    it('rejects a lease that has already ended, naming it', async () => {
      const ledger = new MemoryLedger({ clock: () => T0 });

      await expect(ledger.claim(ID, T0)).rejects.toThrow(`leaseUntil ${T0} <= now ${T0}`);
    });

    it('rejects a lease as long as the TTL', async () => {
      const ledger = new MemoryLedger({ clock: () => T0, ttlSeconds: 3600 });

      await expect(ledger.claim(ID, T0 + 3_600_000)).rejects.toBeInstanceOf(LedgerArgumentError);
    });

    it('rejects a TTL under an hour', () => {
      expect(() => new MemoryLedger({ ttlSeconds: 60 })).toThrow(LedgerConfigError);
    });
  });
});
