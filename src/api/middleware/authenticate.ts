import type { RequestHandler } from 'express';
import jwt from 'jsonwebtoken';
import { Passport } from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import type { Principal } from '../../models/domain/session';
import type { AuthService } from '../../services/auth.service';
import type { TokenService } from '../../services/token.service';

/**
 * passport-jwt as the bearer strategy: ES256 only, known `kid`s only, our
 * issuer and audience, not expired; then the session must still be live.
 * Only prepares `req.authenticate`: the spec's security handler (bearerAuth)
 * runs it for the operations that need a caller, so public ones touch nothing.
 */
export function authenticate(tokens: TokenService, auth: AuthService): RequestHandler {
  const passport = new Passport();
  /** Why a key could not be looked up, per request: passport-jwt reports it only as a failure. */
  const keyErrors = new WeakMap<object, unknown>();
  const { algorithms, issuer, audience, clockTolerance } = tokens.verification;
  passport.use(
    'bearer-jwt',
    new JwtStrategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKeyProvider: (req, rawToken, done) => {
          const kid = jwt.decode(String(rawToken), { complete: true })?.header.kid;
          if (!kid) return done(new Error('no kid'));
          tokens.verificationKey(kid).then(
            (key) => (key ? done(null, key as never) : done(new Error('unknown kid'))),
            (error: unknown) => {
              // passport-jwt turns a key error into a plain failure (401): keep an outage visible
              keyErrors.set(req, error);
              done(error);
            },
          );
        },
        algorithms,
        issuer,
        audience,
        jsonWebTokenOptions: { clockTolerance },
      },
      (claims: { sub?: unknown; sid?: unknown }, done: (error: unknown, principal?: unknown) => void) => {
        auth.principalFor(claims).then((principal) => done(null, principal ?? false), done);
      },
    ),
  );

  return (req, res, next) => {
    req.authenticate = () =>
      new Promise((resolve, reject) => {
        passport.authenticate('bearer-jwt', { session: false }, (error: unknown, principal: unknown) => {
          const failure = error ?? keyErrors.get(req);
          // Kept as it came (an error from the driver may not be an instance of this realm's Error), so
          // that its code still tells an outage from a bad token.
          if (failure) reject(typeof failure === 'object' ? failure : new Error(String(failure)));
          else resolve((principal || undefined) as Principal | undefined);
        })(req, res, reject);
      });
    next();
  };
}
