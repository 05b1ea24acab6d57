import { ALLOWED_BEFORE_ENROLMENT, mfaEnrolmentGate } from '../../src/api/mfa-enrolment';
import type { Principal } from '../../src/models/domain/session';
import type { Role } from '../../src/models/domain/user';
import spec from '../../generated/openapi.json';

const caller = (roles: Role[], mfaEnabled: boolean): Principal => ({
  userId: 'u-1',
  sessionId: 's-1',
  roles,
  user: {
    id: 'u-1',
    username: 'ada',
    email: 'ada@example.com',
    fullName: null,
    roles,
    isActive: true,
    mfaEnabled,
    createdAt: new Date(),
    updatedAt: new Date(),
  },
});

describe('mfaEnrolmentGate', () => {
  const gate = mfaEnrolmentGate(['admin']);

  it('refuses a user of a required role without MFA everything but the allowed operations', () => {
    expect(() => gate('listUsers', caller(['user', 'admin'], false))).toThrow(
      expect.objectContaining({ code: 'mfa_enrolment_required' }),
    );
    for (const op of ALLOWED_BEFORE_ENROLMENT) expect(() => gate(op, caller(['admin'], false))).not.toThrow();
  });

  it('lets enrolled users and users of other roles through', () => {
    expect(() => gate('listUsers', caller(['admin'], true))).not.toThrow();
    expect(() => gate('updateMe', caller(['user'], false))).not.toThrow();
  });

  it('checks nothing when no role requires MFA', () => {
    expect(() => mfaEnrolmentGate([])('listUsers', caller(['admin'], false))).not.toThrow();
  });

  it('names only operations of the spec', () => {
    const ids = Object.values(spec.paths).flatMap((item) =>
      Object.values(item as Record<string, { operationId?: string }>).map((op) => op.operationId),
    );
    for (const op of ALLOWED_BEFORE_ENROLMENT) expect(ids).toContain(op);
  });
});
