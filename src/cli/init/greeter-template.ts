/**
 * `berth init --contract none`: a plugin with one plain service, a greeter, showing what
 * every plugin has: a contract interface its callers import, methods that receive the
 * call context, config from the manifest's defaultConfig, and each lifecycle hook.
 */
import type { PluginTemplate } from './plugin-template.js';

/** The greeter template for plugin `name`. */
export function greeterTemplate(name: string): PluginTemplate {
  return {
    description: 'A Berth plugin with one service that greets.',
    service: {
      name: 'greeter',
      contract: 'greeter@1',
      isolation: 'thread',
      defaultConfig: { greeting: 'Hello' },
      idempotent: ['greet'],
    },
    files: { 'src/index.ts': source(name), 'test/greeter.test.ts': test(name) },
    readmeUsage: usage(name),
  };
}

function source(name: string): string {
  return `/**
 * ${name}: one service, \`greeter\`, that greets by name with a configurable greeting.
 */
import { BerthError, codes, definePlugin, defineService } from 'berth/sdk';

/** The greeter@1 contract, as callers see it: \`host.service<Greeter>('greeter')\`. */
export interface Greeter {
  /** "<greeting>, <name>!"; an empty name fails with BERTH_ERR_INVALID_ARGUMENT. */
  greet(name: string): Promise<string>;
  /** How many greetings this instance has made since it started. */
  count(): Promise<number>;
}

/** The service's config: the manifest's defaultConfig, with the host's overrides merged in. */
export interface GreeterConfig {
  greeting: string;
}

export default definePlugin({
  services: {
    // A service is a factory: its closure holds the state of one running instance.
    greeter: defineService<Greeter, GreeterConfig>((svc) => {
      let greeted = 0;
      return {
        methods: {
          // Every method gets the call's context first: config, log, dataDir, signal.
          greet(ctx, name) {
            if (typeof name !== 'string' || name.trim() === '') {
              // A BerthError keeps its code on the way to the caller, across threads too.
              throw new BerthError(codes.INVALID_ARGUMENT, 'greet needs a non-empty name', {
                data: { field: 'name' },
              });
            }
            greeted += 1;
            return \`\${ctx.config.greeting}, \${name}!\`;
          },
          count() {
            return greeted;
          },
        },
        onStart() {
          svc.log.info({ greeting: svc.config.greeting }, '${name} is ready');
        },
        onHealthCheck() {
          return { ok: true, detail: \`\${greeted} greetings so far\` };
        },
        onConfigValidate(_ctx, next) {
          // Returning a reason refuses the change; the old config stays in force.
          if (typeof next.greeting !== 'string' || next.greeting === '') {
            return 'greeting must be a non-empty string';
          }
          return undefined;
        },
        onConfigChange(ctx, next, prev) {
          ctx.log.info({ from: prev.greeting, to: next.greeting }, 'greeting changed');
        },
        onStop() {
          svc.log.info({ greeted }, '${name} stopped');
        },
      };
    }),
  },
});
`;
}

function test(name: string): string {
  return `/**
 * ${name}'s tests. Each one runs twice: inline (the plugin runs in this thread, so a
 * debugger's breakpoints bind) and in a real worker thread, as a host runs it in
 * production, where every argument, result and error crosses the thread boundary. Both
 * load the built plugin (dist/), which is why \`npm test\` builds first.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { codes } from 'berth/sdk';
import { startTestPlugin, type TestPlugin, type TestPluginOptions } from 'berth/testing';
import type { Greeter } from '../src/index.js';

const pluginDir = fileURLToPath(new URL('..', import.meta.url));

describe.each(['inline', 'thread'] as const)('${name} (%s)', (isolation) => {
  let plugin: TestPlugin | undefined;
  afterEach(async () => {
    await plugin?.close();
    plugin = undefined;
  });

  async function start(options: TestPluginOptions = {}) {
    plugin = await startTestPlugin(pluginDir, { ...options, isolation });
    return plugin.service<Greeter>('greeter');
  }

  it('greets with the greeting of its defaultConfig', async () => {
    const greeter = await start();
    expect(await greeter.greet('world')).toBe('Hello, world!');
    expect(plugin?.host.plugins()[0]).toMatchObject({ state: 'running', isolation });
  });

  it('takes its greeting from the host config', async () => {
    const greeter = await start({ config: { greeter: { greeting: 'Hi' } } });
    expect(await greeter.greet('there')).toBe('Hi, there!');
  });

  it('counts its greetings, per instance', async () => {
    const greeter = await start();
    await greeter.greet('a');
    await greeter.greet('b');
    expect(await greeter.count()).toBe(2);
  });

  it('refuses an empty name with BERTH_ERR_INVALID_ARGUMENT', async () => {
    const greeter = await start();
    await expect(greeter.greet('')).rejects.toMatchObject({ code: codes.INVALID_ARGUMENT });
  });
});
`;
}

function usage(name: string): string {
  return `Call it from code:

\`\`\`ts
import { createHost } from 'berth';
import type { Greeter } from './${name}/src/index.js';

const host = createHost({ plugins: ['./${name}'] });
await host.start();
console.log(await host.service<Greeter>('greeter').greet('world')); // "Hello, world!"
await host.close();
\`\`\`

Check it without running your own host: \`npx berth plugins validate .\` loads it in a
worker thread and starts it once.`;
}
