/**
 * The typed contracts shared by the host and plugins, and the helpers every implementation
 * of them shares (selector parsing, ordering, paging, request checks).
 */
export * from './storage.js';
export * from './label-selector.js';
export * from './list-order.js';
export * from './continue-token.js';
export * from './list-paging.js';
export * from './request-validation.js';
export * from './revision-conflict.js';
export * from './name-prefix.js';
export * from './storage-methods.js';
