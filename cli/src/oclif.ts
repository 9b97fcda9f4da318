// The @oclif/core that bin/run.js starts, from the same bundle as the commands (scripts/bundle.mjs).
export { execute } from '@oclif/core';
