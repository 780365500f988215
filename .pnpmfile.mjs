// pnpm hooks for this workspace.
//
// beforePacking: the package.json that `pnpm pack` and `pnpm publish` (and so `changeset publish`) put in a
// tarball keeps what a consumer needs and drops what only works inside this repository: the scripts (they call
// ../../tooling) and the devDependencies (private workspace packages that are never published).
export const hooks = {
  beforePacking(manifest) {
    const { scripts: _scripts, devDependencies: _devDependencies, ...published } = manifest;
    return published;
  },
};
