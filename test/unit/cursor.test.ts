import { createHmac } from 'node:crypto';
import { CursorCodec } from '../../src/core/cursor';
import { ValidationError } from '../../src/core/errors';

const key = Buffer.alloc(32, 3);
const codec = new CursorCodec(key);
const position = { createdAt: new Date('2026-11-29T10:00:00.123Z'), id: '0b7c4a52-3f1e-4c8e-9d2a-5b6c7d8e9f01' };
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const tagOf = (payload: Buffer) => createHmac('sha256', key).update(payload).digest().subarray(0, 16);
/** What only a holder of the key could make: a correctly signed payload. */
const signed = (payload: Buffer) => Buffer.concat([tagOf(payload), payload]).toString('base64url');
const issued = codec.encode(position);

describe('CursorCodec', () => {
  it('decodes the cursors it encodes', () => {
    expect(codec.decode(codec.encode(position))).toEqual(position);
  });

  it.each([
    [
      'the unsigned format of before',
      json(['2020-01-01T00:00:00Z', '------------------------------------']).toString('base64url'),
    ],
    [
      'a forged tag',
      Buffer.concat([Buffer.alloc(16), json([position.createdAt.toISOString(), position.id])]).toString('base64url'),
    ],
    [
      'a changed position under the issued tag',
      Buffer.concat([
        Buffer.from(issued, 'base64url').subarray(0, 16),
        json(['2020-01-01T00:00:00.000Z', position.id]),
      ]).toString('base64url'),
    ],
    ['another key', new CursorCodec(Buffer.alloc(32, 4)).encode(position)],
    ['a cut one', issued.slice(0, 20)],
    ['nothing', ''],
    ['not base64url', `${issued}.x`],
  ])('refuses %s with a 400 naming the cursor', (_, cursor) => {
    const attempt = () => codec.decode(cursor);
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow('The cursor is not one this API returned.');
  });

  it.each([
    ['an id that is not a UUID', ['2020-01-01T00:00:00Z', '------------------------------------']],
    ['a date out of range', ['-271821-04-20T00:00:00Z', position.id]],
    ['a date that is not one', ['yesterday', position.id]],
    ['a third member', [position.createdAt.toISOString(), position.id, 1]],
  ])('refuses %s even when signed', (_, value) => {
    expect(() => codec.decode(signed(json(value)))).toThrow(ValidationError);
  });
});
