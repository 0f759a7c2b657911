import type { ICredentialTestFunctions, ICredentialsDecrypted, INodeCredentialTestResult } from 'n8n-workflow';

import { MISSING_COMPANION_HINT, MISSING_COMPANION_MESSAGE, connectionFrom, sharedLedgerFactory } from './sharedStore';

/**
 * The POS Ledger Redis credential's test (both nodes list it as `testedBy`): connects and sends
 * PING through the companion package. It runs in the process serving the editor, so it also
 * tells when the companion is not installed there.
 */
export async function testLedgerConnection(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const factory = sharedLedgerFactory();
	if (!factory) return { status: 'Error', message: `${MISSING_COMPANION_MESSAGE}. ${MISSING_COMPANION_HINT}` };
	try {
		await factory.check(connectionFrom((credential.data ?? {}) as Record<string, unknown>));
		return { status: 'OK', message: 'Connected to Redis' };
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
}
