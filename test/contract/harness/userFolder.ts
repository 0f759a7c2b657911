/**
 * Import this FIRST in a contract test (before n8n-core): n8n-core's InstanceSettings reads
 * N8N_USER_FOLDER and writes its `.n8n/config` there, so each test file gets a fresh temporary
 * folder and nothing is written to the user's home. removeUserFolder() in afterAll.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const contractUserFolder = mkdtempSync(join(tmpdir(), 'n8n-pos-contract-'));
process.env.N8N_USER_FOLDER = contractUserFolder;
// A fixed instance key, so InstanceSettings does not generate one.
process.env.N8N_ENCRYPTION_KEY = 'pos-webhooks-contract-test-key-0001';
// n8n's structured logger prints nothing in tests.
process.env.N8N_LOG_LEVEL = 'silent';

export function removeUserFolder(): void {
	rmSync(contractUserFolder, { recursive: true, force: true });
}
