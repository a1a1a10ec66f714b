import { afterAll } from 'vitest';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describeStoreContract } from '../../../test/support/store-contract.js';
import { openSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
let current = '';
describeStoreContract(
  'sqlite',
  async () => openSqliteStore((current = join(dir, `store-${++n}.sqlite`))),
  async () => openSqliteStore(current),
);
