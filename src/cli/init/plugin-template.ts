/**
 * The shape every contract's template has, and the choice between them. A template is
 * the part of a scaffold that depends on the contract: the manifest's service entry, the
 * plugin's source, its tests and a README section; plugin-files.ts adds the rest.
 */
import { BerthError, codes } from '../../index.js';
import { greeterTemplate } from './greeter-template.js';
import { storageTemplate } from './storage-template.js';

/** The contracts `berth init --contract` offers. */
export const INIT_CONTRACTS = ['storage', 'none'] as const;

/** One of {@link INIT_CONTRACTS}. */
export type InitContract = (typeof INIT_CONTRACTS)[number];

/** A contract's part of a new plugin. Every path is relative to the plugin folder. */
export interface PluginTemplate {
  /** The manifest's and package.json's description. */
  description: string;
  /** The one entry of the manifest's `services`. */
  service: {
    name: string;
    contract: string;
    isolation: 'thread';
    defaultConfig: Record<string, unknown>;
    idempotent: string[];
  };
  /** Source and test files, path to content. */
  files: Record<string, string>;
  /** Markdown for the README: how to run the plugin in a host once it is built. */
  readmeUsage: string;
}

/**
 * The template for `contract` and plugin `name` (already checked). Throws
 * `BERTH_ERR_CONFIG_INVALID` naming the accepted values for an unknown contract.
 */
export function pluginTemplate(contract: string, name: string): PluginTemplate {
  switch (contract) {
    case 'storage':
      return storageTemplate(name);
    case 'none':
      return greeterTemplate(name);
    default:
      throw new BerthError(
        codes.CONFIG_INVALID,
        `--contract must be one of ${INIT_CONTRACTS.join(', ')} (got "${contract}"); ` +
          `"storage" implements storage@1 for berth serve, "none" is a plain service to start from`,
        { data: { option: 'contract' } },
      );
  }
}
