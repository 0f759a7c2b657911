/**
 * The "downstream" services the demo workflow posts to (POST /loyalty, POST /sms): it records
 * what each order caused, so the demo can prove exactly one loyalty posting and one SMS per order.
 */
export interface DownstreamReport {
	/** Per order id: how many loyalty postings and SMS it caused, and points credited. */
	orders: Record<string, { loyalty: number; sms: number; points: number }>;
	totals: {
		loyaltyPostings: number;
		smsSent: number;
		points: number;
		ordersWithLoyalty: number;
		ordersWithSms: number;
		/** Orders credited more than once / texted more than once (exactly-once violations). */
		ordersWithDuplicateLoyalty: number;
		ordersWithDuplicateSms: number;
		/** Postings refused as malformed (400). */
		invalidPostings: number;
		events: number;
	};
}

export class DownstreamRecorder {
	private readonly downstream = new Map<string, { loyalty: number; sms: number; points: number }>();
	private loyaltyPostings = 0;
	private smsSent = 0;
	private invalidPostings = 0;

	/** Records one posting; returns what is wrong with it (and counts it as invalid) instead. */
	record(kind: 'loyalty' | 'sms', payload: Record<string, unknown>): string | undefined {
		const problem = this.problemWith(kind, payload);
		if (problem) {
			this.invalidPostings++;
			return problem;
		}
		const key = String(payload.orderId);
		const row = this.downstream.get(key) ?? { loyalty: 0, sms: 0, points: 0 };
		if (kind === 'loyalty') {
			row.loyalty++;
			row.points += payload.points as number;
			this.loyaltyPostings++;
		} else {
			row.sms++;
			this.smsSent++;
		}
		this.downstream.set(key, row);
		return undefined;
	}

	private problemWith(kind: 'loyalty' | 'sms', payload: Record<string, unknown>): string | undefined {
		const orderId = payload.orderId;
		if (typeof orderId !== 'string' && typeof orderId !== 'number') return 'orderId is required';
		if (kind === 'loyalty') {
			if (typeof payload.points !== 'number' || !Number.isFinite(payload.points)) return 'points must be a number';
			if (!payload.customerId && !payload.customerPhone) return 'customerId or customerPhone is required';
		} else if (typeof payload.to !== 'string' || typeof payload.body !== 'string') return 'to and body are required';
		return undefined;
	}

	report(events: number): DownstreamReport {
		const values = [...this.downstream.values()];
		return {
			orders: Object.fromEntries(this.downstream),
			totals: {
				loyaltyPostings: this.loyaltyPostings,
				smsSent: this.smsSent,
				points: values.reduce((s, v) => s + v.points, 0),
				ordersWithLoyalty: values.filter((v) => v.loyalty > 0).length,
				ordersWithSms: values.filter((v) => v.sms > 0).length,
				ordersWithDuplicateLoyalty: values.filter((v) => v.loyalty > 1).length,
				ordersWithDuplicateSms: values.filter((v) => v.sms > 1).length,
				invalidPostings: this.invalidPostings,
				events,
			},
		};
	}

	reset(): void {
		this.downstream.clear();
		this.loyaltyPostings = this.smsSent = this.invalidPostings = 0;
	}
}
