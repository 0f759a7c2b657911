// ESLint 9 flat config: n8n's community-package verification rules (what n8n checks before it
// lists a package as verified) plus eslint-plugin-n8n-nodes-base's node, credential and
// package.json rules.
import tsParser from '@typescript-eslint/parser';
import communityNodes from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';

const community = communityNodes.configs.recommended;

export default [
	{ ignores: ['dist/**', 'node_modules/**', 'test/**', 'simulator/**', 'scripts/**', 'bench/**', 'examples/**', 'packages/redis-ledger/dist/**', 'eslint.config.mjs', 'gulpfile.js', 'index.js', 'jest.config.js'] },
	{
		files: ['nodes/**/*.ts', 'credentials/**/*.ts', 'package.json'],
		ignores: ['packages/**'],
		plugins: community.plugins,
		rules: community.rules,
		languageOptions: { parser: tsParser, parserOptions: { sourceType: 'module' } },
	},
	// The companion package (packages/redis-ledger): n8n's rules too, except the three it exists to
	// break. It is self-hosted only (never verified): it has a runtime dependency (ioredis), imports
	// it, and its node uses the main package's POS Ledger Redis credential (installed beside it).
	{
		files: ['packages/redis-ledger/**/*.ts', 'packages/redis-ledger/package.json'],
		plugins: community.plugins,
		rules: {
			...community.rules,
			'@n8n/community-nodes/no-restricted-imports': 'off',
			'@n8n/community-nodes/no-runtime-dependencies': 'off',
			'@n8n/community-nodes/no-credential-reuse': 'off',
		},
		languageOptions: { parser: tsParser, parserOptions: { sourceType: 'module' } },
	},
	{
		// Library code with no node at hand: the node and the main package wrap its errors in
		// NodeOperationError (with itemIndex) or answer 503.
		files: ['packages/redis-ledger/lib/**/*.ts'],
		rules: { '@n8n/community-nodes/require-node-api-error': 'off' },
	},
	{
		// package.json is read with the TypeScript parser, exactly as n8n's scanner
		// (@n8n/scan-community-package, buildScanConfig) reads it: its community rules walk an
		// ObjectExpression, which a JSON parser such as jsonc-eslint-parser does not produce, so
		// with that parser they silently never fire.
		files: ['package.json'],
		languageOptions: { parser: tsParser },
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: n8nNodesBase.configs.community.rules,
	},
	{
		files: ['credentials/**/*.ts'],
		languageOptions: { parser: tsParser, parserOptions: { sourceType: 'module' } },
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// Our documentation lives in the README on GitHub, not on docs.n8n.io.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		languageOptions: { parser: tsParser, parserOptions: { sourceType: 'module' } },
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			// Not applicable: we publish no docs.n8n.io page for the nodes.
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
		},
	},
];
