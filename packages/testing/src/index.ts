export * from './full-covariance.js';
export * from './reference.js';
