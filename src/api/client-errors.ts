import { randomUUID } from 'node:crypto';
import { maxHeaderSize, STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError, STATUS, type ErrorCode } from '../core/errors';
import type { Logger } from '../core/logging';
import { problemDocument } from './middleware/problem';

interface Answer {
  code: ErrorCode;
  detail: string;
}

/** Node's codes for a request it refuses itself, and how each is answered; any other HPE_ code is a 400. */
const ANSWERS = new Map<string, Answer>([
  [
    'HPE_HEADER_OVERFLOW',
    {
      code: 'header_fields_too_large',
      detail: `The request line and headers are larger than this server accepts (${maxHeaderSize / 1024} KiB).`,
    },
  ],
  [
    'HPE_CHUNK_EXTENSIONS_OVERFLOW',
    {
      code: 'payload_too_large',
      detail: 'The chunk extensions of the request body are larger than this server accepts.',
    },
  ],
  ['ERR_HTTP_REQUEST_TIMEOUT', { code: 'request_timeout', detail: 'The request did not arrive in time.' }],
]);
const MALFORMED: Answer = {
  code: 'bad_request',
  detail: 'The request is not valid HTTP: a malformed request line, or a header with a forbidden character.',
};

/** A request line's method and path, read only when plain: no more of the refused bytes than that. */
const REQUEST_LINE = /^([A-Z]{1,16}) (\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]{0,1023})[? ]/;

/** After the answer, a client that neither reads it nor closes is cut off after this long. */
const LINGER_MS = 2_000;

/**
 * The server's `clientError` listener: a request that Node's HTTP parser
 * refuses (a control character in a header, a request line and headers over
 * the size limit, a request that does not arrive in time) never reaches the
 * app, and Node would answer it with a bare status line. Here it gets the
 * app's problem+json, with a request id in `X-Request-Id` and `request_id`,
 * and the connection is closed. Nothing is written when the socket cannot
 * take it or a response on it has begun (Node's own rule); a connection
 * error (reset, ...) is not a request to answer.
 */
export function answerClientErrors(logger: Logger, onAnswered: (status: number) => void) {
  const answered = new WeakSet<Duplex>();
  return (error: Error & { code?: string; rawPacket?: unknown }, socket: Duplex): void => {
    // The parser reports each further chunk of a refused request again: the first answer stands.
    if (answered.has(socket)) return;
    const code = error.code ?? '';
    const inFlight = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
    if (!(code.startsWith('HPE_') || ANSWERS.has(code)) || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    answered.add(socket);
    const answer = ANSWERS.get(code) ?? MALFORMED;
    const { status } = STATUS[answer.code];
    const requestId = randomUUID();
    const line = Buffer.isBuffer(error.rawPacket)
      ? REQUEST_LINE.exec(error.rawPacket.subarray(0, 1100).toString('latin1'))
      : null;
    const body = JSON.stringify(problemDocument(new AppError(answer.code, answer.detail), line?.[2] ?? '', requestId));
    socket.end(
      [
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
        'Content-Type: application/problem+json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        `X-Request-Id: ${requestId}`,
        'Cache-Control: no-store',
        'X-Content-Type-Options: nosniff',
        'Connection: close',
        `Date: ${new Date().toUTCString()}`,
        '',
        body,
      ].join('\r\n'),
    );
    // Reading goes on (and is discarded) until the client closes: closing with unread bytes
    // would reset the connection, and could lose the answer on the way.
    const linger = setTimeout(() => socket.destroy(), LINGER_MS).unref();
    socket.once('close', () => clearTimeout(linger));
    onAnswered(status);
    logger.info('request refused by the HTTP server', {
      request_id: requestId,
      status,
      code,
      method: line?.[1],
      path: line?.[2],
      remote_address: (socket as { remoteAddress?: string }).remoteAddress,
    });
  };
}
