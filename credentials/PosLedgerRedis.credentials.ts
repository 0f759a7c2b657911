import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * Where the shared POS ledger lives in queue mode: usually the Redis n8n itself uses for its
 * queue. Used only when a node's Ledger Storage is "Shared (Redis)", and only with the companion
 * package n8n-nodes-pos-webhooks-redis installed (it brings the Redis client). Tested by the POS
 * Webhook Trigger (testedBy), which connects and sends PING.
 */
export class PosLedgerRedis implements ICredentialType {
	name = 'posLedgerRedisApi';

	displayName = 'POS Ledger Redis';

	icon = { light: 'file:../nodes/PosWebhookTrigger/pos.svg', dark: 'file:../nodes/PosWebhookTrigger/pos.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-pos-webhooks/n8n-nodes-pos-webhooks#queue-mode';

	properties: INodeProperties[] = [
		{ displayName: 'Host', name: 'host', type: 'string', default: '127.0.0.1', required: true },
		{ displayName: 'Port', name: 'port', type: 'number', default: 6379 },
		{
			displayName: 'User',
			name: 'user',
			type: 'string',
			default: '',
			description: 'Redis ACL user; leave empty for the default user',
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
		},
		{
			displayName: 'SSL/TLS',
			name: 'tls',
			type: 'boolean',
			default: false,
			description: 'Whether to connect with TLS (the server certificate is verified)',
		},
		{ displayName: 'Database Number', name: 'database', type: 'number', default: 0 },
		{
			displayName: 'Key Prefix',
			name: 'prefix',
			type: 'string',
			default: 'pos-ledger:',
			description:
				'Every ledger key starts with it, then the workflow ID in braces. Use a different prefix for each n8n installation that shares this Redis.',
		},
	];
}
