/**
 * `berth/sdk`: everything a plugin author imports. Plugins import this module and their
 * own dependencies, never Berth's host internals.
 */
export { definePlugin, defineService, isPluginDefinition } from './define-plugin.js';
export type {
  AnyMethod,
  Methods,
  PluginDefinition,
  PluginSpec,
  ServiceFactory,
  ServiceImplementation,
} from './define-plugin.js';
export type { CallContext, HealthReport, ServiceConfig, ServiceContext } from './context.js';
export { BerthError, codes, isBerthError } from '../errors.js';
export type { BerthErrorCode } from '../errors.js';
export * from '../contracts/index.js';
