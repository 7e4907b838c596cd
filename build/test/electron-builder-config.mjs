// Lints the Studio's electron-builder configurations against electron-builder's
// own JSON Schema (app-builder-lib's scheme.json, validated with the same ajv
// options electron-builder uses), so that `npm run dist` on a networked
// machine does not first fail on a typo made here.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Ajv from 'ajv';
import YAML from 'yaml';

export const configFiles = ['build/electron-builder.yml', 'build/electron-builder-appimage.yml'];

/** The path of scheme.json, or null when app-builder-lib is not installed. */
export function findSchema(fromDir) {
	try {
		const require = createRequire(path.join(fromDir, 'package.json'));
		return path.join(path.dirname(require.resolve('app-builder-lib/package.json')), 'scheme.json');
	} catch {
		return null;
	}
}

/**
 * Problems found in the configurations under @repoRoot, as sentences naming
 * the file and the setting; empty when they are valid.
 */
export function lintConfigs(repoRoot, schemaPath) {
	const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
	const validate = new Ajv({ allErrors: true, coerceTypes: true, strict: false, logger: false }).compile(schema);
	const problems = [];
	for (const file of configFiles) {
		let config;
		try {
			// Duplicate keys are errors: a loader that kept the last one would
			// silently drop a setting.
			config = YAML.parse(fs.readFileSync(path.join(repoRoot, file), 'utf8'), { uniqueKeys: true, prettyErrors: true });
		} catch (err) {
			problems.push(`${file}: ${err.message.split('\n')[0]}`);
			continue;
		}
		if (!validate(config))
			problems.push(...validate.errors.map((e) => `${file}: ${e.instancePath || '/'} ${e.message}${e.params?.additionalProperty ? ` ("${e.params.additionalProperty}")` : ''}`));
		// Paths electron-builder would only find missing halfway through a build.
		const sources = [config?.extends, ...(config?.extraResources ?? []).map((r) => r.from)].filter(Boolean);
		for (const source of sources)
			if (!fs.existsSync(path.join(repoRoot, source)))
				problems.push(`${file}: ${source} does not exist`);
	}
	return problems;
}
