/**
 * A small seeded PRNG so every simulator run (orders, ids, fault decisions) is reproducible from one
 * number. mulberry32: 32-bit state, fast, good enough for test data (not for cryptography: the
 * signing secrets a test needs are passed in, never drawn from here).
 */

export type Rng = () => number;

/** Returns a function yielding floats in [0, 1), fully determined by `seed`. */
export function mulberry32(seed: number): Rng {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/**
 * Derives an independent stream from a seed and a label, so adding a draw in one concern (say, order
 * contents) does not shift the decisions of another (say, which deliveries are dropped).
 */
export function deriveRng(seed: number, label: string): Rng {
	let h = (seed ^ 0x9e3779b9) >>> 0;
	for (let i = 0; i < label.length; i++) {
		h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
	}
	return mulberry32(h);
}

/** Integer in [min, max] inclusive. */
export function randInt(rng: Rng, min: number, max: number): number {
	return min + Math.floor(rng() * (max - min + 1));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
	return items[Math.floor(rng() * items.length)];
}

export function chance(rng: Rng, probability: number): boolean {
	return probability > 0 && rng() < probability;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const HEX = '0123456789abcdef';

export function randString(rng: Rng, length: number, alphabet = ALNUM): string {
	// Built from char codes in one go: `out += c` would leave a rope of `length` nodes per id,
	// which at 100,000 events costs hundreds of megabytes.
	const codes = new Array<number>(length);
	for (let i = 0; i < length; i++) codes[i] = alphabet.charCodeAt(Math.floor(rng() * alphabet.length));
	return String.fromCharCode(...codes);
}

/** Upper-case letters and digits, as Square ids look. */
export function randUpperId(rng: Rng, length: number): string {
	return randString(rng, length, UPPER_ALNUM);
}

/** A version-4-shaped UUID drawn from the PRNG (deterministic, unlike crypto.randomUUID). */
export function randUuid(rng: Rng): string {
	const h = randString(rng, 32, HEX).split('');
	h[12] = '4';
	h[16] = HEX[(parseInt(h[16], 16) & 0x3) | 0x8];
	return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].map((p) => p.join('')).join('-');
}
