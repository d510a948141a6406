/**
 * Which methods a path has, so that a known path asked with another method gets 405
 * Method Not Allowed and an `Allow` header (RFC 9110 §15.5.6) instead of a 404. OPTIONS
 * is answered the same way: the service has no CORS, so it has no OPTIONS routes.
 */
import type { FastifyInstance } from 'fastify';

/** Looks up the methods of the routes whose pattern a path matches. */
export interface AllowedMethods {
  /** The methods of every route matching `path` (no query), sorted; empty for an unknown path. */
  of(path: string): string[];
}

/** `/v1/plugins/:name` as a RegExp over one concrete path. */
function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * Records every route `app` gets from now on (call it before registering them); the
 * answer reflects the routes registered so far.
 */
export function trackAllowedMethods(app: FastifyInstance): AllowedMethods {
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    routes.push({ pattern: patternOf(route.url), methods: methods.map((m) => m.toUpperCase()) });
  });
  return {
    of(path) {
      const allowed = new Set<string>();
      for (const route of routes) {
        if (route.pattern.test(path)) for (const method of route.methods) allowed.add(method);
      }
      return [...allowed].sort();
    },
  };
}
