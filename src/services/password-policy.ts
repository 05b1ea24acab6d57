import { ZxcvbnFactory, type ZxcvbnResult } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { WeakPasswordError } from '../core/errors';
import { normalizePassword } from '../core/security';

export const PASSWORD_POLICY = Symbol('PasswordPolicy');

/** Whose password it is: a password built from these is refused. */
export interface PasswordOwner {
  username: string;
  email: string;
}

export type PasswordRule = 'whitespace' | 'repeated_character' | 'username' | 'email' | 'common' | 'guessable';

/** What each rule tells the client; never the password itself. */
export const PASSWORD_RULES: Record<PasswordRule, string> = {
  whitespace: 'is only whitespace',
  repeated_character: 'is one character repeated',
  username: 'contains the username',
  email: 'contains the email address or the part before its @',
  common: 'is in a list of common and breached passwords',
  guessable:
    'is too easy to guess: it is made of common passwords, words, names, keyboard patterns, sequences, repeats or dates',
};

export interface PasswordPolicy {
  /** The first rule the password breaks, or null. */
  violation(password: string, owner: PasswordOwner): PasswordRule | null;
  /** Throws WeakPasswordError naming the rule and `path`, where the password is in the request. */
  enforce(password: string, owner: PasswordOwner, path: string): void;
}

/** zxcvbn's score 3: at least 10^8 guesses ("safely unguessable" online, with slow hashing offline). */
export const MIN_SCORE = 3;
/** zxcvbn scores this many characters; longer passwords are judged by them. Bounds the cost of a check. */
const SCORED_LENGTH = 64;
/** Names, or parts of them, shorter than this are not looked for in the password. */
const MIN_NAME_LENGTH = 3;

/**
 * NIST SP 800-63B (5.1.1.2) and ASVS 2.1.7/2.1.9: no composition rules; a password is refused when,
 * after NFKC normalisation, it is only whitespace, one character repeated, contains the username or
 * the email address (or its local part, with or without a +tag), ignoring case, is a common or
 * breached password (zxcvbn-ts's list, also reversed or in l33t), or zxcvbn scores it below
 * MIN_SCORE. The dictionaries are loaded once, when the policy is made.
 */
export class ZxcvbnPasswordPolicy implements PasswordPolicy {
  private readonly zxcvbn = new ZxcvbnFactory({
    dictionary,
    graphs: adjacencyGraphs,
    maxLength: SCORED_LENGTH,
    // Each substitution multiplies the dictionary lookups; four find the usual p@$$w0rd.
    l33tMaxSubstitutions: 4,
  });

  violation(password: string, owner: PasswordOwner): PasswordRule | null {
    const normalized = normalizePassword(password);
    const lower = normalized.toLowerCase();
    if (lower.trim() === '') return 'whitespace';
    const [first, ...rest] = lower;
    if (rest.every((c) => c === first)) return 'repeated_character';
    const username = normalizePassword(owner.username).toLowerCase();
    if (contains(lower, username)) return 'username';
    const email = normalizePassword(owner.email).toLowerCase();
    const local = email.slice(0, email.lastIndexOf('@'));
    if ([email, local, local.split('+')[0] ?? ''].some((name) => contains(lower, name))) return 'email';
    const result = this.zxcvbn.check(normalized, [username, email, local, 'gatehouse']);
    if (isCommon(result)) return 'common';
    return result.score < MIN_SCORE ? 'guessable' : null;
  }

  enforce(password: string, owner: PasswordOwner, path: string): void {
    const rule = this.violation(password, owner);
    if (rule) throw new WeakPasswordError(rule, PASSWORD_RULES[rule], path);
  }
}

function contains(password: string, name: string): boolean {
  return name.length >= MIN_NAME_LENGTH && password.includes(name);
}

/** The whole password is one entry of the common-passwords list (in any case, reversed or l33t). */
function isCommon(result: ZxcvbnResult): boolean {
  const [only, ...more] = result.sequence;
  return (
    more.length === 0 &&
    only?.pattern === 'dictionary' &&
    (only as { dictionaryName?: string }).dictionaryName === 'passwords-common'
  );
}
