import { custom } from './custom';
import { shopify } from './shopify';
import { square } from './square';
import { standardWebhooks } from './standardWebhooks';
import { stripe } from './stripe';
import { toast } from './toast';
import type { PosProvider } from './types';

/**
 * Every provider, in the order the credential lists them. Adding a POS: one new file in this
 * folder and one line here.
 */
export const PROVIDERS: readonly PosProvider[] = [standardWebhooks, stripe, square, shopify, toast, custom];

const byId = new Map(PROVIDERS.map((p) => [p.id, p]));

export function getProvider(id: string): PosProvider | undefined {
	return byId.get(id);
}

export const providerOptions = PROVIDERS.map((p) => ({ name: p.displayName, value: p.id, description: p.description }));
