import type { Response } from 'supertest';

/** Asserts an RFC 9457 problem+json response with the given status and returns its body. */
export function expectProblem(
  res: Response,
  status: number,
): Record<string, unknown> & { errors?: { path: string; message: string }[] } {
  expect({ status: res.status, type: res.headers['content-type'] }).toEqual({
    status,
    type: expect.stringMatching(/^application\/problem\+json/),
  });
  expect(res.body).toEqual(
    expect.objectContaining({
      type: expect.stringMatching(/^urn:gatehouse:problem:/),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      instance: expect.any(String),
      request_id: res.headers['x-request-id'],
    }),
  );
  return res.body;
}
