/**
 * README: "The package has no runtime dependencies and uses only n8n-workflow and node:crypto."
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;

function sources(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) return sources(path);
		return path.endsWith('.ts') ? [path] : [];
	});
}

it('declares no runtime dependencies (n8n-workflow is a peer)', () => {
	expect(pkg.dependencies).toBeUndefined();
	expect(pkg.peerDependencies).toEqual({ 'n8n-workflow': '*' });
});

it('shipped code imports only n8n-workflow, node:crypto and its own files', () => {
	const foreign: string[] = [];
	for (const file of [...sources(join(ROOT, 'nodes')), ...sources(join(ROOT, 'credentials'))]) {
		const code = readFileSync(file, 'utf8');
		for (const m of code.matchAll(/(?:from\s+|require\(\s*|import\(\s*)['"]([^'"]+)['"]/g)) {
			const spec = m[1];
			if (spec.startsWith('.') || spec === 'n8n-workflow' || spec === 'node:crypto') continue;
			foreign.push(`${relative(ROOT, file)}: ${spec}`);
		}
	}
	expect(foreign).toEqual([]);
});
