import type { ICredentialTestFunctions, ICredentialsDecrypted, INodeCredentialTestResult } from 'n8n-workflow';

import { credentialTexts } from '../../../credentials/PosApi.credentials';
import { getProvider } from '../../shared/providers/registry';
import type { PosCredentialData } from '../../shared/providers/types';
import { buildSigningConfig } from '../../shared/signingConfig';

/**
 * The POS API credential's test, run by n8n when the user saves the credential (n8n's
 * CredentialsTester finds it through the nodes' `testedBy`; a credential-level `test` would
 * always call the API, which fails for a user who only needs the trigger and has no token).
 *
 * It checks what can be checked without the POS: the provider, the custom scheme, the form of
 * the signing secrets (a token pasted in the secret's field and the like). Only when an API token
 * is present does it call the provider's API, with that provider's own auth header.
 */
export async function posApiCredentialTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = (credential.data ?? {}) as unknown as PosCredentialData;
	const provider = getProvider(String(data.provider));
	if (!provider) return { status: 'Error', message: 'Pick your POS in the Provider list' };
	const texts = credentialTexts(provider.id);

	const formProblem = [data.signingSecret, data.previousSigningSecret]
		.map((secret) => (secret ? secretFormProblem(provider.id, secret.trim(), texts.secretName) : undefined))
		.find(Boolean);
	if (formProblem) return { status: 'Error', message: formProblem };
	try {
		buildSigningConfig(data, Date.now());
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}

	const token = String(data.apiToken ?? '').trim();
	if (!token || !texts.tokenName) {
		return {
			status: 'OK',
			message: `The ${texts.secretName} has the right form for ${provider.displayName}. No API token: the POS Webhook Trigger works; the POS node's API operations need one.`,
		};
	}
	const baseUrl = String(data.baseUrl || provider.api.baseUrl).replace(/\/+$/, '');
	if (!/^https?:\/\//.test(baseUrl)) {
		return { status: 'Error', message: `Enter the API Base URL to test the ${texts.tokenName}` };
	}
	// A credential test gets no httpRequest: n8n-workflow 2.41's ICredentialTestFunctions offers only
	// helpers.request (n8n-core's CredentialTestContext maps it to axios). The community lint flags
	// that name as deprecated for node code, where httpRequest exists; here it is the only helper.
	const { request } = this.helpers;
	try {
		await request({
			method: 'GET',
			uri: `${baseUrl}${provider.api.testPath}`,
			headers: { Accept: 'application/json', ...apiAuthHeaders(provider.id, token) },
			json: true,
			// The token must not follow a redirect to another host.
			followRedirect: false,
			followAllRedirects: false,
			timeout: 15_000,
		});
	} catch (error) {
		const status = httpStatus(error);
		const reason =
			status === 401 || status === 403
				? `${provider.displayName} refused the ${texts.tokenName} (HTTP ${status}): check it and its permissions`
				: status
					? `${provider.displayName}'s API answered HTTP ${status} at ${baseUrl}: check the API Base URL`
					: `Could not reach ${baseUrl}: check the API Base URL`;
		return { status: 'Error', message: reason };
	}
	return { status: 'OK', message: `The ${texts.secretName} has the right form and ${provider.displayName} accepted the ${texts.tokenName}` };
}

/** Mistakes a secret's form gives away, in the words of the field the user filled in. */
export function secretFormProblem(providerId: string, secret: string, secretName: string): string | undefined {
	const looksLikeToken = /^(sk_|rk_|pk_)|^EAAA|^shp(at|ca|pa)_/.test(secret);
	if (looksLikeToken) return `This looks like an API key or access token, not the ${secretName}: paste the token into its own field`;
	if (providerId === 'stripe' && !secret.startsWith('whsec_')) {
		return `A Stripe ${secretName} starts with whsec_ (Developers > Webhooks > your endpoint)`;
	}
	if (providerId === 'standardWebhooks') {
		const base64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
		if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || Buffer.from(base64, 'base64').length < 16) {
			return `A Standard Webhooks signing secret is whsec_ followed by base64 (at least 16 bytes): paste it exactly as your POS shows it`;
		}
	}
	return undefined;
}

function httpStatus(error: unknown): number | undefined {
	const e = error as { statusCode?: unknown; httpCode?: unknown; response?: { status?: unknown }; cause?: { response?: { status?: unknown } } };
	const status = Number(e?.statusCode ?? e?.httpCode ?? e?.response?.status ?? e?.cause?.response?.status);
	return Number.isInteger(status) && status > 0 ? status : undefined;
}

/** The header that carries the API token: Shopify's Admin API reads X-Shopify-Access-Token, the others a Bearer token. */
export function apiAuthHeaders(providerId: string, token: string): Record<string, string> {
	return providerId === 'shopify' ? { 'X-Shopify-Access-Token': token } : { Authorization: `Bearer ${token}` };
}
