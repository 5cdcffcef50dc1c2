import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CpuAccount } from './cpu-account';

const burn = (ms: number) => `const end = Date.now() + ${ms}; while (Date.now() < end);`;

/** Runs `script` in a new node process; resolves with it once started and a promise of its exit. */
function run(script: string): { pid: number; exited: Promise<void> } {
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  return { pid: child.pid as number, exited: new Promise((resolve) => child.once('exit', () => resolve())) };
}

describe('CpuAccount', () => {
  it('charges a process the CPU it spent between start() and stop(), and none before', async () => {
    const idle = run('setTimeout(() => {}, 1500)');
    const busy = run(`setTimeout(() => { ${burn(400)} setTimeout(() => {}, 800); }, 300)`);
    const account = new CpuAccount({ busy: busy.pid, idle: idle.pid });
    account.start();
    await new Promise((r) => setTimeout(r, 1_000));
    const spent = account.stop();
    assert.ok((spent.get('busy') ?? 0) >= 0.25, `busy: ${spent.get('busy')}`);
    assert.ok((spent.get('idle') ?? 1) < 0.15, `idle: ${spent.get('idle')}`);
    assert.ok(spent.has('bench'), 'the bench process itself is accounted');
    await Promise.all([busy.exited, idle.exited]);
  });

  it("counts a server's children, the exited ones too (PostgreSQL's backends), when the infra's pid files name it", async () => {
    const infra = mkdtempSync(path.join(tmpdir(), 'espalier-cpu-'));
    mkdirSync(path.join(infra, 'postgres', 'data'), { recursive: true });
    const server = run(`
      const { spawnSync } = require('node:child_process');
      setTimeout(() => { spawnSync(process.execPath, ['-e', ${JSON.stringify(burn(400))}]); setTimeout(() => {}, 400); }, 300);
    `);
    writeFileSync(path.join(infra, 'postgres', 'data', 'postmaster.pid'), `${server.pid}\n/some/data\n`);
    const account = new CpuAccount({}, infra);
    account.start();
    await new Promise((r) => setTimeout(r, 1_000));
    const spent = account.stop();
    assert.ok((spent.get('PostgreSQL') ?? 0) >= 0.25, `PostgreSQL: ${spent.get('PostgreSQL')}`);
    assert.equal(spent.has('Kafka'), false, 'no Kafka pid file, no Kafka line');
    await server.exited;
  });
});
