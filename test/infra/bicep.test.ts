/** Every .bicep file under infra/ parses (tree-sitter-bicep's grammar, run by web-tree-sitter). */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, test } from 'node:test';
import { Language, Parser, type Node } from 'web-tree-sitter';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let parser: Parser;

export async function bicepFiles(dir = path.join(ROOT, 'infra')): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(
    entries.map(async (e) =>
      e.isDirectory() ? bicepFiles(path.join(dir, e.name)) : e.name.endsWith('.bicep') ? [path.join(dir, e.name)] : [],
    ),
  );
  return files.flat().sort();
}

function firstError(node: Node): Node | null {
  if (node.isError || node.isMissing) return node;
  for (const child of node.children) {
    if (child && child.hasError) {
      const found = firstError(child);
      if (found) return found;
    }
  }
  return node.hasError ? node : null;
}

before(async () => {
  await Parser.init();
  const wasm = createRequire(import.meta.url).resolve('tree-sitter-bicep/tree-sitter-bicep.wasm');
  parser = new Parser();
  parser.setLanguage(await Language.load(wasm));
});

describe('bicep syntax', () => {
  test('a broken file is caught (the check can fail)', () => {
    const tree = parser.parse("param name string =\nresource x 'Microsoft.Web/sites@2024-04-01' = {\n  name: \n")!;
    assert.ok(tree.rootNode.hasError);
  });

  test('every .bicep file under infra/ parses', async () => {
    const files = await bicepFiles();
    assert.ok(files.length >= 8, `found ${files.length} files`);
    for (const file of files) {
      const tree = parser.parse(await readFile(file, 'utf8'))!;
      const error = firstError(tree.rootNode);
      assert.equal(
        error,
        null,
        `${path.relative(ROOT, file)}:${(error?.startPosition.row ?? 0) + 1}: syntax error near «${error?.text.slice(0, 60)}»`,
      );
    }
  });
});
