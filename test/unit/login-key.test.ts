import { loginKey } from '../../src/models/domain/user';

describe('loginKey', () => {
  it('folds ASCII case and compatibility forms to the stored ASCII name', () => {
    expect(loginKey('Ada_Lovelace')).toBe('ada_lovelace');
    expect(loginKey('ADA@Example.COM')).toBe('ada@example.com');
    expect(loginKey('\uff41\uff44\uff41@example.com')).toBe('ada@example.com'); // fullwidth letters
    expect(loginKey('\u212Aelvin')).toBe('kelvin'); // KELVIN SIGN
  });

  it('gives a name with İ one form however it is typed, and never an ASCII one', () => {
    const forms = ['gma\u0130l.com', 'gmai\u0307l.com', 'GMA\u0130L.COM'].map(loginKey);
    expect(new Set(forms).size).toBe(1);
    expect(forms[0]).not.toBe('gmail.com');
    expect([...forms[0]!].some((c) => c.charCodeAt(0) > 0x7f)).toBe(true);
  });
});
