import { createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationError } from './errors';

/** What a page's cursor says: the (createdAt, id) of the last item of the page before. */
export interface Position {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TAG_BYTES = 16;
/** Years PostgreSQL's timestamptz and JavaScript's Date agree on, with room to spare. */
const MIN_TIME = Date.UTC(1, 0, 1);
const MAX_TIME = Date.UTC(9999, 11, 31);

/**
 * Pagination cursors the API issues and only those it issues: an HMAC of the
 * position under a key derived from MASTER_KEY (so every instance accepts
 * every instance's cursors), then the position, in one base64url string.
 * Anything else is a 400, never a query.
 */
export class CursorCodec {
  constructor(private readonly key: Buffer) {}

  encode(position: Position): string {
    const payload = Buffer.from(JSON.stringify([position.createdAt.toISOString(), position.id]));
    return Buffer.concat([this.tag(payload), payload]).toString('base64url');
  }

  decode(cursor: string): Position {
    // base64url only (the spec's pattern): the tag's bytes, then the position's JSON.
    const bytes = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url') : Buffer.alloc(0);
    const given = bytes.subarray(0, TAG_BYTES);
    const payload = bytes.subarray(TAG_BYTES);
    if (payload.length > 0 && timingSafeEqual(given, this.tag(payload))) {
      const position = parse(payload);
      if (position) return position;
    }
    throw new ValidationError('The cursor is not one this API returned.', [
      { path: '/query/cursor', message: 'is not a cursor from this API' },
    ]);
  }

  private tag(payload: Buffer): Buffer {
    return createHmac('sha256', this.key).update(payload).digest().subarray(0, TAG_BYTES);
  }
}

/** Checked even though signed: a cursor made under an older format or a leaked key still never reaches SQL malformed. */
function parse(payload: Buffer): Position | undefined {
  try {
    const value = JSON.parse(payload.toString('utf8')) as unknown;
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [at, id] = value as unknown[];
    if (typeof at !== 'string' || typeof id !== 'string' || !UUID.test(id)) return undefined;
    const createdAt = new Date(at);
    const time = createdAt.getTime();
    return time >= MIN_TIME && time <= MAX_TIME ? { createdAt, id } : undefined;
  } catch {
    return undefined;
  }
}
