import { getProvider } from './providers/registry';
import type { PosCredentialData, PosProvider } from './providers/types';

/** What verification needs from the credential, decoded once. */
export interface SigningConfig {
	credential: PosCredentialData;
	provider: PosProvider;
	/** Current secret first, then the previous one during a rotation. */
	keys: Buffer[];
	loadedAt: number;
}

/** A credential that cannot work as configured. The message says how to fix it. */
export class CredentialConfigError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'CredentialConfigError';
	}
}

export function buildSigningConfig(data: PosCredentialData, nowMs: number): SigningConfig {
	const provider = getProvider(data.provider);
	if (!provider) {
		throw new CredentialConfigError(`Unknown provider "${String(data.provider)}" in the POS API credential: pick one from the list`);
	}
	const problem = provider.validate?.(data);
	if (problem) throw new CredentialConfigError(`POS API credential: ${problem}`);
	const keys: Buffer[] = [];
	for (const secret of [data.signingSecret, data.previousSigningSecret]) {
		if (typeof secret !== 'string' || secret.trim() === '') continue;
		const key = provider.keyFromSecret(secret.trim());
		if (key.length === 0) {
			throw new CredentialConfigError(
				`A signing secret in the POS API credential cannot be used with ${provider.displayName}: paste it exactly as your POS shows it`,
			);
		}
		keys.push(key);
	}
	if (keys.length === 0) {
		throw new CredentialConfigError('The POS API credential has no signing secret: paste the secret your POS shows for this endpoint');
	}
	return { credential: data, provider, keys, loadedAt: nowMs };
}

/**
 * Decrypting a credential costs n8n about as much per request as everything else it does, so
 * the decoded config is kept in memory per credential id. It still notices edits: entries are
 * reloaded after maxAgeMs, and a request whose signature fails reloads at once (rate-limited),
 * so a rotated secret works from the first request signed with it.
 */
export class SigningConfigCache {
	private readonly entries = new Map<string, SigningConfig>();
	private readonly reloading = new Map<string, Promise<SigningConfig>>();
	/** When a failed signature last caused a reload, per credential: the throttle counts from there. */
	private readonly lastFailureReload = new Map<string, number>();

	constructor(
		readonly maxAgeMs = 60_000,
		readonly minReloadIntervalMs = 2_000,
	) {}

	async get(
		credentialId: string | undefined,
		load: () => Promise<PosCredentialData>,
		nowMs: number,
	): Promise<SigningConfig> {
		const cached = credentialId === undefined ? undefined : this.entries.get(credentialId);
		if (cached && nowMs - cached.loadedAt < this.maxAgeMs) return cached;
		return this.load(credentialId, load, nowMs);
	}

	/**
	 * Reloads after a failed signature, unless a failed signature already caused a reload very
	 * recently (forged storms); concurrent failures share one reload. Returns the fresh config
	 * only when it differs. The throttle counts from the last failure-driven reload, not from
	 * when the entry was loaded: a secret rotated just after a request loaded the credential
	 * must still work from its first request.
	 */
	async refreshAfterFailure(
		credentialId: string | undefined,
		current: SigningConfig,
		load: () => Promise<PosCredentialData>,
		nowMs: number,
	): Promise<SigningConfig | undefined> {
		if (credentialId === undefined) return undefined;
		const latest = this.entries.get(credentialId) ?? current;
		const lastReload = this.lastFailureReload.get(credentialId);
		if (lastReload !== undefined && nowMs - lastReload < this.minReloadIntervalMs) {
			return latest === current || sameSecrets(latest, current) ? undefined : latest;
		}
		let reload = this.reloading.get(credentialId);
		if (!reload) {
			this.lastFailureReload.set(credentialId, nowMs);
			reload = this.load(credentialId, load, nowMs).finally(() => this.reloading.delete(credentialId));
			this.reloading.set(credentialId, reload);
		}
		const fresh = await reload;
		return sameSecrets(fresh, current) ? undefined : fresh;
	}

	invalidate(credentialId: string | undefined): void {
		if (credentialId !== undefined) this.entries.delete(credentialId);
	}

	private async load(credentialId: string | undefined, load: () => Promise<PosCredentialData>, nowMs: number) {
		const config = buildSigningConfig(await load(), nowMs);
		if (credentialId !== undefined) this.entries.set(credentialId, config);
		return config;
	}
}

function sameSecrets(a: SigningConfig, b: SigningConfig): boolean {
	return (
		a.provider === b.provider &&
		a.keys.length === b.keys.length &&
		a.keys.every((k, i) => k.equals(b.keys[i])) &&
		JSON.stringify(a.credential) === JSON.stringify(b.credential)
	);
}
