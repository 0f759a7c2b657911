import { createHmac } from 'node:crypto';

/** Minimal signers for providers without a vendor signing library (Square, Shopify, Toast, custom). */
export const b64hmac = (secret: string, payload: string | Buffer, alg = 'sha256') =>
	createHmac(alg, secret).update(payload).digest('base64');
export const hexhmac = (secret: string, payload: string | Buffer, alg = 'sha256') =>
	createHmac(alg, secret).update(payload).digest('hex');

export const nowSeconds = () => Math.floor(Date.now() / 1000);
