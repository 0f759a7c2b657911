import { NodeHelpers, type INodeProperties } from 'n8n-workflow';

import { Pos } from '../../../nodes/Pos/Pos.node';
import { FixtureServer } from './fixtureServer';
import { newWorkflowId, posHarness } from './setup';

const description = new Pos().description;

function walk(properties: INodeProperties[], visit: (p: INodeProperties) => void): void {
	for (const p of properties) {
		visit(p);
		for (const option of p.options ?? []) {
			if (typeof option === 'object' && option !== null && 'displayName' in option && 'type' in option) {
				walk([option as INodeProperties], visit);
			}
		}
	}
}

describe('POS node description', () => {
	test('identity, tool use, credential, icon', () => {
		expect(description).toMatchObject({
			name: 'pos',
			displayName: 'POS',
			usableAsTool: true,
			credentials: [
				{ name: 'posApi', required: true },
				// Only with Ledger Storage "Shared (Redis)" (queue mode).
				{ name: 'posLedgerRedisApi', required: true, testedBy: 'posLedgerRedisConnection', displayOptions: { show: { ledgerStorage: ['redis'] } } },
			],
			icon: { light: 'file:../PosWebhookTrigger/pos.svg', dark: 'file:../PosWebhookTrigger/pos.dark.svg' },
		});
	});

	test('resources and operations', () => {
		const resource = description.properties.find((p) => p.name === 'resource')!;
		expect(resource.noDataExpression).toBe(true);
		expect(resource.options!.map((o) => ('value' in o ? o.value : undefined))).toEqual(['event', 'ledger', 'order']);
		const operations = description.properties.filter((p) => p.name === 'operation');
		expect(operations.every((p) => p.noDataExpression === true)).toBe(true);
		const byResource = Object.fromEntries(
			operations.map((p) => [p.displayOptions!.show!.resource![0], p.options!.map((o) => ('value' in o ? o.value : undefined))]),
		);
		expect(byResource).toEqual({ event: ['getMany', 'reconcile'], ledger: ['forget', 'getFailed', 'getStats', 'markDone'], order: ['get'] });
		for (const p of operations) for (const o of p.options!) expect(o).toHaveProperty('action');
	});

	test('UX conventions: Title Case labels, "Whether" booleans, camelCase names, a description everywhere', () => {
		walk(description.properties, (p) => {
			if (p.type === 'notice') return;
			expect(p.name).toMatch(/^[a-z][a-zA-Z0-9]*$/);
			for (const word of p.displayName.split(/[\s()]+/).filter((w) => w.length > 3)) expect(word[0]).toBe(word[0].toUpperCase());
			if (p.type === 'boolean') expect(p.description).toMatch(/^Whether /);
			if (p.type !== 'options' && p.type !== 'collection') expect(p.description?.length ?? 0).toBeGreaterThan(20);
		});
	});

	test('defaults as n8n resolves them for Reconcile', () => {
		const params = NodeHelpers.getNodeParameters(description.properties, { resource: 'event', operation: 'reconcile' }, true, false, null, description);
		expect(params).toEqual({
			resource: 'event',
			operation: 'reconcile',
			ledgerStorage: 'process',
			reconcileNotice: '',
			triggerSettingsNotice: '',
			events: '*',
			lookBackHours: 24,
			settleDelaySeconds: 300,
			maxEventsPerRun: 25000,
			completionTracking: false,
			apiOptions: {},
		});
	});

	test('placeholders in n8n\'s style: free-text examples start with "e.g."', () => {
		const placeholders: string[] = [];
		walk(description.properties, (p) => {
			if (p.type === 'string' && p.placeholder) placeholders.push(p.placeholder);
		});
		expect(placeholders.length).toBeGreaterThanOrEqual(3);
		for (const placeholder of placeholders) expect(placeholder).toMatch(/^e\.g\. /);
	});

	test('the Reconcile notice is short enough to read at a glance', () => {
		const notice = description.properties.find((p) => p.name === 'reconcileNotice')!;
		expect(notice.displayName.length).toBeLessThan(220);
	});

	test('the harness refuses a parameter the operation does not show (as n8n does)', () => {
		const server = new FixtureServer();
		const harness = posHarness({ server, provider: 'stripe', parameters: { resource: 'event', operation: 'reconcile' }, workflowId: newWorkflowId() });
		expect(() => harness.context.getNodeParameter('limit', 0)).toThrow('Could not get parameter "limit"');
		expect(harness.context.getNodeParameter('lookBackHours', 0)).toBe(24);
		expect(() => (harness.context as unknown as { getRestApiUrl(): string }).getRestApiUrl()).toThrow(/does not implement/);
	});
});
