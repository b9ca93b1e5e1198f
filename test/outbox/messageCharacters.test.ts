import { describe, expect, it } from 'vitest';
import type { IntegrationEvent } from '../../lambdas/events/types.ts';
import {
  escapeRefusedCharacters,
  refusedCharacterIn,
} from '../../lambdas/outbox/messageCharacters.ts';
import { toOutgoingMessage } from '../../lambdas/outbox/relayEvents.ts';
import type { OutgoingMessage } from '../../lambdas/ports.ts';
import { MemoryQueue } from '../../lambdas/queue/MemoryQueue.ts';
import { makeEvent } from '../helpers/events.ts';

/** The message the relay sends for `event`: the real envelope serialisation. */
function relayedMessage(event: IntegrationEvent): OutgoingMessage {
  return toOutgoingMessage({ event, outbox: 'users' }, false);
}

/** Whether the in-memory queue, which checks characters as SQS does, takes the message. */
async function queueTakes(message: OutgoingMessage): Promise<boolean> {
  const queue = new MemoryQueue({ name: 'probe' });
  const result = await queue.sendBatch([message]);
  return result.successful.length === 1;
}

describe('refusedCharacterIn', () => {
  it('finds nothing in control characters, lone surrogates and astral characters of a payload, which JSON escapes or SQS takes', async () => {
    // Arrange
    const message = relayedMessage(
      makeEvent({
        payload: {
          controls: '\u0000\u0001\u001f\u007f\u0085',
          surrogates: 'a\uD800b\uDFFFc',
          astral: '\u{1F600}\u{10FFFF}',
          replacement: '\uFFFD',
          '\u0002key\uD800': 'value',
        },
      }),
    );

    // Act
    const refused = refusedCharacterIn(message);

    // Assert: the body carries them as escapes, and a queue checking like SQS takes it.
    expect(refused).toBeUndefined();
    expect(message.body).toContain('\\u0001');
    expect(message.body).toContain('\\ud800');
    expect(await queueTakes(message)).toBe(true);
  });

  it('names the payload field, code point and index of a U+FFFE, which JSON leaves as it is', async () => {
    // Arrange
    const message = relayedMessage(makeEvent({ payload: { userId: 'u-1', name: 'Ada\uFFFE' } }));

    // Act
    const refused = refusedCharacterIn(message);

    // Assert
    expect(refused).toEqual({ path: 'payload.name', codePoint: 0xfffe, index: 3 });
    expect(await queueTakes(message)).toBe(false);
  });

  it('names list positions and keys down the payload', () => {
    // Act
    const inList = refusedCharacterIn(
      relayedMessage(makeEvent({ payload: { tags: ['ok', 'no\uFFFF'] } })),
    );
    const inKey = refusedCharacterIn(
      relayedMessage(makeEvent({ payload: { nested: { 'bad\uFFFEkey': 1 } } })),
    );

    // Assert
    expect(inList).toEqual({ path: 'payload.tags.1', codePoint: 0xffff, index: 2 });
    expect(inKey).toEqual({
      path: 'payload.nested.bad\\uFFFEkey',
      codePoint: 0xfffe,
      index: 3,
    });
  });

  it('refuses control characters and lone surrogates in values sent as attributes, which are not escaped', async () => {
    // Arrange
    const inType = relayedMessage(makeEvent({ eventType: 'user.registered\u0001' }));
    const inCorrelation = relayedMessage(makeEvent({ correlationId: 'req-\uD800' }));

    // Act
    const typeRefused = refusedCharacterIn(inType);
    const correlationRefused = refusedCharacterIn(inCorrelation);

    // Assert
    expect(typeRefused).toEqual({ path: 'eventType', codePoint: 0x1, index: 15 });
    expect(correlationRefused).toEqual({ path: 'correlationId', codePoint: 0xd800, index: 4 });
    expect(await queueTakes(inType)).toBe(false);
    expect(await queueTakes(inCorrelation)).toBe(false);
  });

  it('agrees with a queue that checks characters as SQS does, for every kind of code point in a payload and an attribute', async () => {
    // Arrange: the edges of each range SQS allows, and what lies between them.
    const codePoints = [
      0x0, 0x8, 0x9, 0xa, 0xb, 0xd, 0x1f, 0x20, 0x7f, 0x9f, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff,
      0xe000, 0xfdd0, 0xfffd, 0xfffe, 0xffff, 0x10000, 0x10ffff,
    ];
    const verdicts: string[] = [];

    // Act
    for (const codePoint of codePoints) {
      // A lone surrogate cannot come from fromCodePoint's pairs: build it as one code unit.
      const character =
        codePoint >= 0xd800 && codePoint <= 0xdfff
          ? String.fromCharCode(codePoint)
          : String.fromCodePoint(codePoint);
      for (const event of [
        makeEvent({ payload: { text: `x${character}` } }),
        makeEvent({ correlationId: `x${character}` }),
      ]) {
        const message = relayedMessage(event);
        const refused = refusedCharacterIn(message) !== undefined;
        if (refused === (await queueTakes(message))) verdicts.push(codePoint.toString(16));
      }
    }

    // Assert: no code point where the check and the queue disagree.
    expect(verdicts).toEqual([]);
  });

  it('refuses only U+FFFE and U+FFFF in a payload, every other character being escaped or taken', () => {
    // Arrange
    const refused: number[] = [];

    // Act: every BMP code unit, alone in a payload string.
    for (let unit = 0; unit <= 0xffff; unit++) {
      const message = relayedMessage(makeEvent({ payload: { text: String.fromCharCode(unit) } }));
      if (refusedCharacterIn(message)) refused.push(unit);
    }

    // Assert
    expect(refused).toEqual([0xfffe, 0xffff]);
  });
});

describe('escapeRefusedCharacters', () => {
  it('writes refused characters as escapes and leaves the rest', () => {
    expect(escapeRefusedCharacters('a\uFFFEb\u0001c\u00e9\u{1F600}')).toBe(
      'a\\uFFFEb\\u0001c\u00e9\u{1F600}',
    );
  });
});
