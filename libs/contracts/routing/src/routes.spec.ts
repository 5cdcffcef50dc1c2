import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HEALTH_PATHS, ROUTES, SERVICES, routeRequest } from './index';

// The proxy resolves overlaps by specificity (nginx: exact, then longest prefix); routeRequest by
// table order. These invariants keep the two readings equal.
describe('ROUTES', () => {
  it('names only known services, and never push (it has no public route)', () => {
    for (const route of ROUTES) assert.ok(SERVICES.includes(route.service), route.path);
    assert.ok(!ROUTES.some((r) => r.service === 'push'));
  });

  it('gives every other service at least one route', () => {
    for (const service of SERVICES.filter((s) => s !== 'push')) {
      assert.ok(ROUTES.some((r) => r.service === service), service);
    }
  });

  it('writes prefix routes with a trailing slash and exact routes without', () => {
    for (const route of ROUTES) {
      assert.ok(route.path.startsWith('/'), route.path);
      assert.equal(route.path.endsWith('/'), route.match === 'prefix', route.path);
    }
  });

  it('has no overlapping paths except a conditional route directly before its fallback', () => {
    ROUTES.forEach((a, i) => {
      ROUTES.forEach((b, j) => {
        if (i >= j) return;
        if (a.path === b.path) {
          assert.equal(a.match, b.match, a.path);
          assert.ok(a.when && !b.when && j === i + 1, `${a.path}: conditional route must directly precede fallback`);
          return;
        }
        const overlaps =
          (a.match === 'prefix' && b.path.startsWith(a.path)) || (b.match === 'prefix' && a.path.startsWith(b.path));
        assert.ok(!overlaps, `${a.path} overlaps ${b.path}`);
      });
    });
  });

  it('has a reachable entry for every route', () => {
    for (const route of ROUTES) {
      const path = route.match === 'prefix' ? `${route.path}x` : route.path;
      const contentType = route.when?.contentTypePrefix;
      assert.equal(routeRequest('PUT', path, contentType), route.service, route.path);
    }
  });

  it('keeps health endpoints off the public routes', () => {
    for (const path of Object.values(HEALTH_PATHS)) assert.equal(routeRequest('GET', path, undefined), null);
  });
});
