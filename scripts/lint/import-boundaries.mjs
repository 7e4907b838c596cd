// The ESLint rule that keeps the layers apart (DESIGN's layers, checked):
// - renderer/ runs in a page without Node: of electron/ it may import only
//   electron/shared (the Studio API and the message types), and never the
//   `electron` package. renderer/e2e and renderer/bench are the exception:
//   they are Node programs that start the real backend and drive Chromium
//   from outside the page, so they import the services as any test does;
// - electron/services is plain Node, testable without a window: it never
//   imports the `electron` package nor the Electron shell (electron/main).
// - an area of the Studio service (electron/services/studio/FEATURE/*-area.ts)
//   is never imported from another feature's folder: an area reaches the
//   others through its StudioContext (studio/README.md).
// Each import is resolved against the importing file, so a relative path
// that climbs out by a different number of ../ is judged by where it lands.
import path from 'node:path';

/** @type {Array<{ from: string; except?: string[]; forbidden: Array<{ dir?: string; except?: string; pkg?: string; why: string }> }>} */
const BOUNDARIES = [
  {
    from: 'renderer/',
    except: ['renderer/e2e/', 'renderer/bench/'],
    forbidden: [
      { dir: 'electron/', except: 'electron/shared/', why: 'the renderer may use electron/shared only (it has no Node)' },
      { pkg: 'electron', why: 'the renderer never gets Electron or Node' },
    ],
  },
  {
    from: 'electron/services/',
    forbidden: [
      { pkg: 'electron', why: 'services are plain Node, testable without a window' },
      { dir: 'electron/main/', why: 'services never reach into the Electron shell' },
    ],
  },
];

/** The feature folder of a file of the Studio service, and whether the file is its area class. */
const STUDIO_FEATURE = /^electron\/services\/studio\/([^/]+)\/([^/]+)$/;

function isPackage(spec, name) {
  return spec === name || spec.startsWith(`${name}/`);
}

/** @type {import('eslint').Rule.RuleModule} */
export const importBoundaries = {
  meta: {
    type: 'problem',
    docs: {
      description:
        'renderer/ imports only electron/shared of electron/; electron/services imports neither electron nor electron/main; ' +
        'a Studio area is not imported from another feature folder',
    },
    schema: [],
  },
  create(context) {
    const root = context.cwd;
    const file = path.relative(root, context.filename).split(path.sep).join('/');
    const feature = STUDIO_FEATURE.exec(file)?.[1];
    const rules = BOUNDARIES.filter((b) => file.startsWith(b.from) && !b.except?.some((e) => file.startsWith(e))).flatMap(
      (b) => b.forbidden,
    );
    if (rules.length === 0 && feature === undefined) return {};
    const check = (node) => {
      const source = node.source;
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const spec = source.value;
      const relative = spec.startsWith('.');
      const target = relative ? path.relative(root, path.resolve(path.dirname(context.filename), spec)).split(path.sep).join('/') : undefined;
      for (const r of rules) {
        const hit = r.pkg
          ? !relative && isPackage(spec, r.pkg)
          : target !== undefined && `${target}/`.startsWith(r.dir) && !(r.except && `${target}/`.startsWith(r.except));
        if (hit) context.report({ node: source, message: `${file} may not import ${spec}: ${r.why}` });
      }
      const area = target === undefined ? undefined : STUDIO_FEATURE.exec(target);
      if (feature !== undefined && area && area[1] !== feature && area[2].endsWith('-area.ts'))
        context.report({ node: source, message: `${file} may not import ${spec}: an area reaches the others through its StudioContext` });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};
