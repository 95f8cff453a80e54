/** Layering rules of the hexagon, checked by `npm test` (npm run depcruise). */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'domain/ imports only domain/: no npm package, no node: module.',
      severity: 'error',
      from: { path: '^domain/' },
      to: { pathNot: '^domain/' },
    },
    {
      name: 'application-imports-domain-and-ports',
      comment: 'application/ imports only domain/, application/ and @opentelemetry/api.',
      severity: 'error',
      from: { path: '^application/' },
      to: { pathNot: ['^domain/', '^application/', '^node_modules/@opentelemetry/api/'] },
    },
    {
      name: 'only-composition-imports-adapters',
      comment: 'Adapters are wired in composition/ alone.',
      severity: 'error',
      from: { pathNot: ['^composition/', '^adapters/', '^test/', '^bench/'] },
      to: { path: '^adapters/' },
    },
    {
      name: 'adapters-do-not-import-each-other-or-composition',
      comment: 'An adapter knows its technology, the domain and the ports; never composition.',
      severity: 'error',
      from: { path: '^adapters/' },
      to: { path: '^composition/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.cjs', '.mjs', '.json', '.d.ts'] },
    builtInModules: { add: [] },
  },
};
