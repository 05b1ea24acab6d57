/* tslint:disable */
/* eslint-disable */
export * from './AuthApi';
export * from './SystemApi';
export * from './UsersApi';
