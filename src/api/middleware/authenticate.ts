import type { Request, RequestHandler, Response } from 'express';
import jwt from 'jsonwebtoken';
import { Passport } from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import { VerifiedTokens } from '../../core/verified-tokens';
import type { AuthService } from '../../services/auth.service';
import type { TokenService } from '../../services/token.service';

type Claims = { sub?: unknown; sid?: unknown; exp?: unknown; iat?: unknown };

/** Verified tokens kept per process: far more than the clients one instance serves within a token's life. */
const VERIFIED_TOKENS = 10_000;

/**
 * passport-jwt as the bearer strategy: ES256 only, known `kid`s only, our
 * issuer and audience, with `exp` and `iat` as we issue them and not expired; then the session must still be live (one
 * lookup on every request, so revocation takes effect on the next one). A
 * token verified before skips the signature check while unexpired and its key
 * still verifies (VerifiedTokens). Only prepares `req.authenticate`: the
 * spec's security handler (bearerAuth) runs it for the operations that need a
 * caller, so public ones touch nothing.
 */
export function authenticate(tokens: TokenService, auth: AuthService): RequestHandler {
  const passport = new Passport();
  /** Why a key could not be looked up, per request: passport-jwt reports it only as a failure. */
  const keyErrors = new WeakMap<object, unknown>();
  const { algorithms, issuer, audience, clockTolerance } = tokens.verification;
  const verified = new VerifiedTokens<Claims>(VERIFIED_TOKENS, clockTolerance);
  const keyStillVerifies = async (kid: string) => (await tokens.verificationKey(kid)) !== null;
  const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();
  passport.use(
    'bearer-jwt',
    new JwtStrategy(
      {
        jwtFromRequest: bearerToken,
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
      // Signed and unexpired is not enough: without `exp` a token would never expire (see timesAcceptable).
      (claims: Claims, done: (error: unknown, claims?: Claims | false) => void) =>
        done(null, tokens.timesAcceptable(claims) ? claims : false),
    ),
  );

  /** The token's claims when passport-jwt accepts it; undefined when it does not. */
  const verify = (req: Request, res: Response) =>
    new Promise<Claims | undefined>((resolve, reject) => {
      passport.authenticate('bearer-jwt', { session: false }, (error: unknown, claims: Claims | false) => {
        const failure = error ?? keyErrors.get(req);
        // Kept as it came (an error from the driver may not be an instance of this realm's Error), so
        // that its code still tells an outage from a bad token.
        if (failure) reject(typeof failure === 'object' ? failure : new Error(String(failure)));
        else resolve(claims || undefined);
      })(req, res, reject);
    });

  return (req, res, next) => {
    req.authenticate = async () => {
      const token = bearerToken(req);
      let claims = token ? await verified.lookup(token, keyStillVerifies) : undefined;
      if (!claims) {
        claims = await verify(req, res);
        if (claims && token) verified.remember(token, claims);
      }
      return claims ? ((await auth.principalFor(claims)) ?? undefined) : undefined;
    };
    next();
  };
}
