/* tslint:disable */
/* eslint-disable */
export * from './Check';
export * from './Checks';
export * from './Health';
export * from './Jwk';
export * from './JwkSet';
export * from './PasswordChange';
export * from './Problem';
export * from './ProblemError';
export * from './Readiness';
export * from './ReadinessProblem';
export * from './RefreshRequest';
export * from './Role';
export * from './Session';
export * from './SessionList';
export * from './TokenRequest';
export * from './TokenResponse';
export * from './User';
export * from './UserAdminUpdate';
export * from './UserCreate';
export * from './UserPage';
export * from './UserSelfUpdate';
export * from './WeakPasswordProblem';
