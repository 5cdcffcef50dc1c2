import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { API_OPERATIONS, matchApiRoute } from '@espalier/api/domain';
import { openApiDocument } from '@espalier/contracts/api';

type Doc = { paths: Record<string, Record<string, { responses: object }>> };
const doc = openApiDocument('test') as Doc;
/** Served outside the /v1 router: /version by VersionController, /migration by the check-in service. */
const ELSEWHERE = new Set(['/version', '/migration']);

describe('the OpenAPI document and the routes', () => {
  it('documents every operation the router serves, with responses', () => {
    for (const op of API_OPERATIONS) {
      const operation = doc.paths[op.path]?.[op.method.toLowerCase()];
      assert.ok(operation, `${op.method} ${op.path} is not documented`);
      assert.ok(Object.keys(operation.responses).length > 0, `${op.method} ${op.path} has no responses`);
    }
  });

  it('documents nothing the router does not serve', () => {
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (ELSEWHERE.has(path)) continue;
      for (const method of Object.keys(methods)) {
        assert.ok(API_OPERATIONS.some((op) => op.path === path && op.method.toLowerCase() === method), `${method.toUpperCase()} ${path} is documented but not routed`);
      }
    }
  });

  it('each documented operation reaches its handler', () => {
    for (const op of API_OPERATIONS) {
      const sample = op.path.replace(/\{[^}]+\}/g, 'X').slice('/v1/'.length);
      assert.equal(matchApiRoute(op.method, sample).kind, op.kind, `${op.method} ${op.path}`);
    }
  });
});
