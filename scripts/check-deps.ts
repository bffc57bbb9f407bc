/**
 * Checks that workspace packages depend on each other only in the direction DESIGN.md allows:
 * every `@polder/*` import must be declared in the importing package's package.json, and the
 * declared graph must have no cycle.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const packagesDir = join(root, 'packages');
const graph = new Map<string, Set<string>>();
const problems: string[] = [];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory()
      ? walk(path)
      : path.endsWith('.ts') || path.endsWith('.tsx')
        ? [path]
        : [];
  });
}

for (const name of readdirSync(packagesDir)) {
  const manifest = JSON.parse(readFileSync(join(packagesDir, name, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const declared = new Set(
    Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })
      .filter((d) => d.startsWith('@polder/'))
      .map((d) => d.slice('@polder/'.length)),
  );
  graph.set(name, declared);
  for (const file of walk(join(packagesDir, name, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/from '@polder\/([a-z-]+)/g)) {
      const used = match[1]!;
      if (used !== name && !declared.has(used))
        problems.push(`${file}: imports @polder/${used}, not declared`);
    }
  }
}

const state = new Map<string, 'visiting' | 'done'>();
function visit(node: string, path: string[]): void {
  if (state.get(node) === 'done') return;
  if (state.get(node) === 'visiting') {
    problems.push(`dependency cycle: ${[...path, node].join(' → ')}`);
    return;
  }
  state.set(node, 'visiting');
  for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
  state.set(node, 'done');
}
for (const node of graph.keys()) visit(node, []);

if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`package dependencies ok (${graph.size} packages, no cycles)`);
