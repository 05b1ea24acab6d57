import { randomBytes } from 'node:crypto';
import { WeakPasswordError } from '../../src/core/errors';
import { ZxcvbnPasswordPolicy } from '../../src/services/password-policy';

const policy = new ZxcvbnPasswordPolicy();
const owner = { username: 'Ada_Lovelace', email: 'countess.ada+news@example.com' };

describe('ZxcvbnPasswordPolicy', () => {
  it.each([
    ['password1234', 'guessable'],
    ['aaaaaaaaaaaa', 'repeated_character'],
    ['AAAAaaaaAAAA', 'repeated_character'],
    [' '.repeat(12), 'whitespace'],
    ['\t \u3000\u00a0 \n'.repeat(3), 'whitespace'],
    ['ada_lovelace', 'username'],
    ['my name is ADA_LOVELACE!', 'username'],
    ['countess.ada+news@example.com', 'email'],
    ['countess.ada+news!', 'email'],
    ['i am countess.ada', 'email'],
    ['1qaz2wsx3edc', 'common'],
    ['qwertyuiop', 'common'],
    ['iloveyou', 'common'],
    ['P@ssw0rd1234', 'guessable'],
    ['Summer2024!', 'guessable'],
    ['gatehouse2024', 'guessable'],
    ['ｐａｓｓｗｏｒｄ１２３４', 'guessable'],
  ])('refuses %j: %s', (password, rule) => {
    expect(policy.violation(password, owner)).toBe(rule);
  });

  it.each([
    'correct horse battery staple',
    'x7Kq9mZ2pL4w',
    'café crème brûlée',
    'zażółć gęślą jaźń',
    `pw-${randomBytes(12).toString('base64url')}`,
    randomBytes(96).toString('base64url').slice(0, 128),
  ])('accepts %j', (password) => {
    expect(policy.violation(password, owner)).toBeNull();
  });

  it('looks for no name shorter than three characters', () => {
    expect(policy.violation('xy correct horse battery', { username: 'xyz_one', email: 'xy@example.com' })).toBeNull();
  });

  it('throws a WeakPasswordError naming the rule and the field, never the password', () => {
    const error = (() => {
      try {
        policy.enforce('Ada_Lovelace1815', owner, '/body/new_password');
      } catch (e) {
        return e;
      }
    })() as WeakPasswordError;
    expect(error).toBeInstanceOf(WeakPasswordError);
    expect(error).toMatchObject({ code: 'weak_password', rule: 'username' });
    expect(error.message).toBe('The password is not accepted: it contains the username.');
    expect(error.options.errors).toEqual([{ path: '/body/new_password', message: 'contains the username' }]);
    expect(error.options.extensions).toEqual({ rule: 'username' });
    expect(JSON.stringify(error.options)).not.toContain('1815');
  });

  it('lets a good password through', () => {
    expect(() => policy.enforce('correct horse battery staple', owner, '/body/password')).not.toThrow();
  });
});
