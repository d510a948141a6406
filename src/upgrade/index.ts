/**
 * Zero-downtime upgrades: a router that calls go through (`createRouter`), the swap of
 * the instance behind it for a new version (`upgradeInstance`), and a supervisor seen as
 * such an instance (`startSupervised`, `supervisedInstance`).
 */
export { createRouter } from './create-router.js';
export type { Router } from './create-router.js';
export { upgradeInstance } from './upgrade-instance.js';
export type { UpgradableInstance, UpgradeOptions, UpgradeOutcome } from './upgrade-instance.js';
export { startSupervised, supervisedInstance } from './supervised-instance.js';
export type { SupervisedInstance } from './supervised-instance.js';
