export * from './full-covariance.js';
export * from './laplace.js';
export * from './reference.js';
